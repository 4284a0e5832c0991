"""Renders a Kustomize directory the way `kubectl kustomize` does, for the
subset of Kustomize that deploy/ uses: resources (files and directories),
namespace, images, and strategic-merge patches. Anything else in a
kustomization.yaml is an error, so the checker never checks a rendering that
differs from the real one (check_manifests.py --kustomize_cmd compares the two
where a real kustomize is installed).
"""

import copy
import os

import yaml

SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "patches",
                    "images"}
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml",
                       "Kustomization")

# Strategic-merge keys of the list fields deploy/ patches (from the Kubernetes
# API types' patchMergeKey). Other lists are replaced whole, as in Kubernetes.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    # Kubernetes' patchMergeKey for container ports.
    "ports": "containerPort",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


class RenderError(Exception):
    pass


def load_documents(path):
    """All non-empty YAML documents of one file."""
    with open(path, encoding="utf-8") as f:
        try:
            return [d for d in yaml.safe_load_all(f) if d is not None]
        except yaml.YAMLError as e:
            raise RenderError(f"{path}: invalid YAML: {e}") from e


def kustomization_file(directory):
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    raise RenderError(f"{directory}: no kustomization.yaml")


def resource_id(doc):
    return (doc.get("kind"), doc.get("metadata", {}).get("name"))


def render(directory):
    """The documents `kubectl kustomize directory` would print (unsorted)."""
    path = kustomization_file(directory)
    (k,) = load_documents(path) or [{}]
    unsupported = set(k) - SUPPORTED_FIELDS
    if unsupported:
        raise RenderError(
            f"{path}: fields {sorted(unsupported)} are not supported by "
            "tests/deploy/kustomize_lite.py; extend it (and compare with "
            "--kustomize_cmd) before using them")
    docs = []
    for entry in k.get("resources", []):
        target = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(target):
            docs.extend(render(target))
        elif os.path.isfile(target):
            docs.extend(load_documents(target))
        else:
            raise RenderError(f"{path}: resource {entry} does not exist")
    seen = set()
    for doc in docs:
        rid = resource_id(doc)
        if rid in seen:
            raise RenderError(f"{path}: {rid[0]}/{rid[1]} defined twice")
        seen.add(rid)
    for patch in k.get("patches", []):
        apply_patch_entry(directory, path, patch, docs)
    if "namespace" in k:
        for doc in docs:
            doc.setdefault("metadata", {})["namespace"] = k["namespace"]
    for image in k.get("images", []):
        apply_image(image, docs)
    return docs


def apply_patch_entry(directory, path, entry, docs):
    if set(entry) - {"path", "patch"} or len(entry) != 1:
        raise RenderError(f"{path}: only `patches: [{{path: ...}}]` or inline "
                          f"`patch:` strategic merges are supported: {entry}")
    if "path" in entry:
        patch_docs = load_documents(os.path.join(directory, entry["path"]))
    else:
        patch_docs = [d for d in yaml.safe_load_all(entry["patch"]) if d]
    for patch in patch_docs:
        rid = resource_id(patch)
        matches = [d for d in docs if resource_id(d) == rid]
        if len(matches) != 1:
            raise RenderError(f"{path}: patch target {rid[0]}/{rid[1]} "
                              f"matches {len(matches)} resources")
        merged = strategic_merge(matches[0], patch)
        matches[0].clear()
        matches[0].update(merged)


def strategic_merge(base, patch):
    """Kubernetes strategic merge of `patch` into `base` (both plain data).

    Maps merge recursively; a null value deletes the key; `$patch: replace`
    replaces a map; lists with a merge key merge item by item (an item with
    `$patch: delete` removes its match); other lists are replaced.
    """
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif (key in MERGE_KEYS and isinstance(value, list)
              and isinstance(out.get(key), list)):
            out[key] = merge_list(out[key], value, MERGE_KEYS[key])
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = strategic_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_list(base, patch, merge_key):
    out = copy.deepcopy(base)
    for item in patch:
        key = item.get(merge_key)
        index = next((i for i, b in enumerate(out)
                      if b.get(merge_key) == key), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del out[index]
        elif index is None:
            # New items go first, as kustomize's merge does.
            out.insert(0, copy.deepcopy(item))
        else:
            out[index] = strategic_merge(out[index], item)
    return out


def split_image(image):
    """'repo/name:tag' -> ('repo/name', ':tag'); digests kept likewise."""
    at = image.find("@")
    if at >= 0:
        return image[:at], image[at:]
    colon = image.rfind(":")
    if colon > image.rfind("/"):
        return image[:colon], image[colon:]
    return image, ""


def apply_image(rule, docs):
    for doc in docs:
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for field in ("containers", "initContainers"):
            for container in spec.get(field, []):
                name, suffix = split_image(container.get("image", ""))
                if name != rule["name"]:
                    continue
                new_name = rule.get("newName", name)
                if "digest" in rule:
                    suffix = "@" + rule["digest"]
                elif "newTag" in rule:
                    suffix = ":" + str(rule["newTag"])
                container["image"] = new_name + suffix

#!/usr/bin/env python3
"""Checks the Kubernetes manifests in deploy/ against the gateway binary.

Renders deploy/base and every deploy/overlays/*/ with `kubectl kustomize`, reads
the settings the binary declares (`lipsync-gateway --helpfull`, each flag's
[ENV_NAME]) and fails when:
  * a declared setting (or, with --expected_env, a listed one) is not wired
    to the gateway container (env, envFrom ConfigMap key, or secret ref);
  * the Kling credentials or the caller tokens are not mounted from a Secret,
    or a *_FILE setting points outside a read-only 0400 Secret mount;
  * probes, ports, Services, HPA, PDB, NetworkPolicy, ServiceAccount,
    securityContext, resources or terminationGracePeriodSeconds break the
    rules documented in docs/OPERATIONS.md;
  * the binary refuses to start with the ConfigMap's values (a short real run
    on loopback, skipped for targets that need TLS files).

Usage (ctest runs it; see tests/deploy/CMakeLists.txt):
  check_manifests.py --deploy deploy --gateway build/service/lipsync-gateway
      [--expected_env tests/deploy/expected_env.txt] [--no_smoke]
      [--kustomize_cmd "kubectl kustomize"] [--target base ...]
kubectl (with its built-in Kustomize) must be on PATH; scripts/setup.sh checks.
Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import yaml  # noqa: F401  (Debian: python3-yaml)
except ImportError:
    print("check_manifests: needs PyYAML (Debian package python3-yaml, see "
          "scripts/setup.sh); run it with /usr/bin/python3", file=sys.stderr)
    sys.exit(1)

import gateway_flags  # noqa: E402

DEPLOYMENT = "lipsync-gateway"
CONTAINER = "gateway"
RUN_AS = 10001
SECRET_FILE_MODE = 0o400
# Paths the binary writes (not secrets): must be on a writable emptyDir if set.
OUTPUT_FILE_SETTINGS = {"LIPSYNC_PORT_FILE"}
# ConfigMap values that differ from the binary default on purpose.
INTENTIONAL_OVERRIDES = {
    "LIPSYNC_DRAIN_DELAY", "LIPSYNC_MAX_AUDIO_BYTES_IN_FLIGHT",
    "LIPSYNC_PLAINTEXT", "KLING_BASE_URL", "LIPSYNC_ALLOW_INSECURE_UPSTREAM",
    "LIPSYNC_LOG_LEVEL",
    # Off in the binary (no surprise listener); on in the cluster.
    "LIPSYNC_METRICS_LISTEN"}


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml",
                       "Kustomization")
KUSTOMIZE_TIMEOUT_S = 120


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


def render(directory, command):
    """The documents `command directory` prints (command: e.g. "kubectl
    kustomize"); RenderError when it fails or prints no valid YAML."""
    argv = shlex.split(command) + [directory]
    try:
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=KUSTOMIZE_TIMEOUT_S, check=False)
    except FileNotFoundError as e:
        raise RenderError(f"`{command}`: {argv[0]} not found ({e})") from e
    except subprocess.TimeoutExpired as e:
        raise RenderError(f"`{command} {directory}` took over "
                          f"{KUSTOMIZE_TIMEOUT_S} s") from e
    if result.returncode != 0:
        raise RenderError(f"`{command} {directory}` failed (exit "
                          f"{result.returncode}): {result.stderr.strip()}")
    try:
        return [d for d in yaml.safe_load_all(result.stdout) if d is not None]
    except yaml.YAMLError as e:
        raise RenderError(f"`{command} {directory}` printed invalid YAML: "
                          f"{e}") from e


class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, target, message):
        self.errors.append(f"[{target}] {message}")

    def warn(self, target, message):
        self.warnings.append(f"[{target}] {message}")


class EnvSource:
    """Where a container variable comes from; value None = from a Secret."""

    def __init__(self, kind, value, origin):
        self.kind = kind
        self.value = value
        self.origin = origin


def find(docs, kind, name=None):
    return [d for d in docs if d.get("kind") == kind
            and (name is None or d.get("metadata", {}).get("name") == name)]


def subset(selector, labels):
    return bool(selector) and all(labels.get(k) == v
                                  for k, v in selector.items())


def secret_keys(secret):
    return set((secret.get("data") or {})) | set(secret.get("stringData") or {})


class Target:
    """One rendered kustomization and the gateway container in it."""

    def __init__(self, name, docs, secret_catalog):
        self.name = name
        self.docs = docs
        # Secrets the manifests expect to exist: rendered ones, else the
        # placeholders of base/secret.example.yaml (created out of band).
        self.secrets = {s["metadata"]["name"]: s
                        for s in secret_catalog + find(docs, "Secret")}
        deployments = find(docs, "Deployment", DEPLOYMENT)
        self.deployment = deployments[0] if deployments else None
        self.pod_spec = {}
        self.pod_labels = {}
        self.container = None
        if self.deployment:
            template = self.deployment.get("spec", {}).get("template", {})
            self.pod_spec = template.get("spec", {})
            self.pod_labels = template.get("metadata", {}).get("labels", {})
            containers = self.pod_spec.get("containers", [])
            self.container = next(
                (c for c in containers if c.get("name") == CONTAINER), None)
        self.env = {}

    def value(self, env_name, default=None):
        source = self.env.get(env_name)
        return default if source is None else source.value

    def container_ports(self):
        return {p.get("name"): p.get("containerPort")
                for p in (self.container or {}).get("ports", [])}

    def volume(self, name):
        return next((v for v in self.pod_spec.get("volumes", [])
                     if v.get("name") == name), None)


def resolve_env(t, report):
    for ref in t.container.get("envFrom", []):
        prefix = ref.get("prefix", "")
        if "configMapRef" in ref:
            name = ref["configMapRef"].get("name")
            maps = find(t.docs, "ConfigMap", name)
            if not maps:
                report.error(t.name, f"envFrom ConfigMap {name} is not in the "
                             "rendered resources")
                continue
            for key, value in (maps[0].get("data") or {}).items():
                t.env[prefix + key] = EnvSource(
                    "configMap", "" if value is None else str(value),
                    f"ConfigMap {name}")
        elif "secretRef" in ref:
            name = ref["secretRef"].get("name")
            for key in secret_keys(t.secrets.get(name, {})):
                t.env[prefix + key] = EnvSource("secret", None,
                                                f"Secret {name}")
    for var in t.container.get("env", []):
        source = var.get("valueFrom")
        if source is None:
            t.env[var["name"]] = EnvSource("value", str(var.get("value", "")),
                                           "env")
        elif "secretKeyRef" in source:
            t.env[var["name"]] = EnvSource("secret", None, "secretKeyRef")
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            maps = find(t.docs, "ConfigMap", ref.get("name"))
            data = (maps[0].get("data") or {}) if maps else {}
            t.env[var["name"]] = EnvSource(
                "configMap", str(data.get(ref.get("key"), "")),
                f"ConfigMap {ref.get('name')}")
        else:
            t.env[var["name"]] = EnvSource("field", None, "valueFrom")


# --- checks -------------------------------------------------------------------


def check_workload(t, report):
    spec = t.deployment.get("spec", {})
    if int(spec.get("replicas", 1)) < 2:
        report.error(t.name, f"Deployment {DEPLOYMENT}: replicas must be >= 2")
    selector = spec.get("selector", {}).get("matchLabels", {})
    if not subset(selector, t.pod_labels):
        report.error(t.name, "Deployment selector does not match its pod "
                     "template labels")
    if t.container.get("command"):
        report.error(t.name, "the gateway container must keep the image's "
                     "ENTRYPOINT (no `command`)")
    if not t.container.get("image"):
        report.error(t.name, "the gateway container has no image")


def check_wiring(t, flags, expected, report):
    wanted = dict.fromkeys(sorted(set(flags) | set(expected)))
    for env_name in wanted:
        if env_name in t.env:
            continue
        flag = flags.get(env_name)
        what = f"--{flag.name}" if flag else "listed in --expected_env"
        report.error(t.name, f"{env_name} ({what}) is not wired to container "
                     f"{CONTAINER}: add it to deploy/base/configmap.yaml (or "
                     "the Deployment's env)")
    if t.name != "base":
        return  # overlays share the base's ConfigMap: warn once
    known = set(flags) | set(expected) | {"KLING_API_KEY"}
    for env_name, source in sorted(t.env.items()):
        if env_name not in known and source.kind == "configMap":
            report.warn(t.name, f"{env_name} ({source.origin}) is not "
                        "declared by the binary (nor listed with "
                        "--expected_env): not landed yet, a typo, or removed?")


def check_credentials(t, declared, report):
    api_key = t.env.get("KLING_API_KEY")
    if api_key is not None and api_key.kind != "secret":
        report.error(t.name, "KLING_API_KEY must come from a Secret "
                     "(secretKeyRef), never a literal value")
    bearer = bool(t.value("KLING_API_KEY_FILE")) or (
        api_key is not None and api_key.kind == "secret")
    jwt = bool(t.value("KLING_ACCESS_KEY_FILE")) and bool(
        t.value("KLING_SECRET_KEY_FILE"))
    if not bearer and not jwt:
        report.error(t.name, "no Kling credentials: set KLING_API_KEY_FILE "
                     "(or KLING_ACCESS_KEY_FILE + KLING_SECRET_KEY_FILE) to a "
                     "file of a mounted Secret")
    if bearer and jwt:
        report.error(t.name, "both the API key and the JWT key pair are set: "
                     "choose one mode")
    if "LIPSYNC_AUTH_TOKENS_FILE" in declared and not t.value(
            "LIPSYNC_AUTH_TOKENS_FILE"):
        report.error(t.name, "LIPSYNC_AUTH_TOKENS_FILE is empty: callers "
                     "would not be authenticated")


def mount_for(t, path):
    """The (volumeMount, volume) whose mountPath contains `path`."""
    best = None
    for mount in t.container.get("volumeMounts", []):
        root = mount.get("mountPath", "").rstrip("/") + "/"
        if path.startswith(root) and (
                best is None or len(root) > len(best.get("mountPath", ""))):
            best = mount
    if best is None:
        return None, None
    return best, t.volume(best.get("name"))


def check_files(t, report):
    uses_secret_files = False
    for env_name, source in sorted(t.env.items()):
        if not env_name.endswith("_FILE") or not source.value:
            continue
        path = source.value
        mount, volume = mount_for(t, path)
        if env_name in OUTPUT_FILE_SETTINGS:
            if not (volume and "emptyDir" in volume and not mount.get("readOnly")):
                report.error(t.name, f"{env_name}={path} is not on a writable "
                             "emptyDir mount (the root filesystem is "
                             "read-only)")
            continue
        if volume is None:
            report.error(t.name, f"{env_name}={path} is not under any "
                         "volumeMount of the gateway container")
            continue
        if not mount.get("readOnly"):
            report.error(t.name, f"volumeMount {mount['name']} holding "
                         f"{env_name} must be readOnly")
        key = path[len(mount["mountPath"].rstrip("/")) + 1:]
        if "secret" in volume:
            uses_secret_files = True
            secret = volume["secret"]
            mode = secret.get("defaultMode")
            if mode != SECRET_FILE_MODE:
                report.error(t.name, f"Secret volume {volume['name']}: "
                             f"defaultMode must be 0400, is {mode!r}")
            for item in secret.get("items", []):
                if item.get("mode", SECRET_FILE_MODE) != SECRET_FILE_MODE:
                    report.error(t.name, f"Secret volume {volume['name']}: "
                                 f"item {item.get('key')} mode must be 0400")
            items = {i.get("path"): i.get("key")
                     for i in secret.get("items", [])}
            secret_key = items.get(key, key) if items else key
            name = secret.get("secretName")
            known = t.secrets.get(name)
            if known is None:
                report.error(t.name, f"{env_name}: Secret {name} is neither "
                             "rendered nor described in "
                             "deploy/base/secret.example.yaml")
            elif secret_key not in secret_keys(known):
                report.error(t.name, f"{env_name}={path}: Secret {name} has "
                             f"no key {secret_key!r}")
        elif "configMap" not in volume and "projected" not in volume:
            report.error(t.name, f"{env_name}={path} must come from a Secret "
                         f"volume, not {sorted(volume)}")
    if uses_secret_files and t.pod_spec.get("securityContext", {}).get(
            "fsGroup") is None:
        report.error(t.name, "Secret files are mounted 0400 (root-owned): set "
                     "the pod's securityContext.fsGroup so uid "
                     f"{RUN_AS} can read them")


def tls_enabled(t):
    return (t.value("LIPSYNC_PLAINTEXT", "").lower() == "false"
            or bool(t.value("LIPSYNC_TLS_CERT_FILE")))


def check_tls(t, declared, report):
    if "LIPSYNC_PLAINTEXT" in declared:
        plaintext = t.value("LIPSYNC_PLAINTEXT", "").lower() in ("true", "1")
        if not plaintext and not t.value("LIPSYNC_TLS_CERT_FILE"):
            report.error(t.name, "neither LIPSYNC_PLAINTEXT=true nor a TLS "
                         "certificate: the gateway would refuse to start")
    if bool(t.value("LIPSYNC_TLS_CERT_FILE")) != bool(
            t.value("LIPSYNC_TLS_KEY_FILE")):
        report.error(t.name, "LIPSYNC_TLS_CERT_FILE and LIPSYNC_TLS_KEY_FILE "
                     "must be set together")
    if t.value("LIPSYNC_TLS_CLIENT_CA_FILE") and not t.value(
            "LIPSYNC_TLS_CERT_FILE"):
        report.error(t.name, "LIPSYNC_TLS_CLIENT_CA_FILE (mutual TLS) needs "
                     "the server certificate too")


def check_ports_and_probes(t, declared, report):
    ports = t.container_ports()
    grpc_port = ports.get("grpc")
    if grpc_port is None:
        report.error(t.name, "the gateway container has no port named grpc")
        return
    listen = t.value("LIPSYNC_LISTEN")
    if listen is not None and gateway_flags.listen_port(listen) != grpc_port:
        report.error(t.name, f"LIPSYNC_LISTEN={listen} does not listen on the "
                     f"container port grpc ({grpc_port})")
    if "LIPSYNC_METRICS_LISTEN" in declared:
        metrics = t.value("LIPSYNC_METRICS_LISTEN")
        if ports.get("metrics") is None:
            report.error(t.name, "no container port named metrics")
        elif metrics and gateway_flags.listen_port(metrics) != ports["metrics"]:
            report.error(t.name, f"LIPSYNC_METRICS_LISTEN={metrics} does not "
                         f"match the container port metrics "
                         f"({ports['metrics']})")
    tls = tls_enabled(t)
    # The kubelet's gRPC probe speaks plaintext only: under TLS it needs the
    # plaintext health-only listener (LIPSYNC_HEALTH_LISTEN), else tcpSocket.
    health_listen = (t.value("LIPSYNC_HEALTH_LISTEN")
                     if "LIPSYNC_HEALTH_LISTEN" in declared else None)
    probe_port = grpc_port
    if health_listen:
        if ports.get("health") is None:
            report.error(t.name, "LIPSYNC_HEALTH_LISTEN is set but the "
                         "container has no port named health")
        elif gateway_flags.listen_port(health_listen) != ports["health"]:
            report.error(t.name, f"LIPSYNC_HEALTH_LISTEN={health_listen} does "
                         f"not match the container port health "
                         f"({ports['health']})")
        else:
            probe_port = ports["health"]
    grpc_probe_ok = not tls or bool(health_listen)
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = t.container.get(kind)
        if not probe:
            report.error(t.name, f"the gateway container has no {kind}")
            continue
        if "grpc" in probe:
            if not grpc_probe_ok:
                report.error(t.name, f"{kind}: the kubelet's gRPC probe "
                             "cannot speak TLS; with TLS on, set "
                             "LIPSYNC_HEALTH_LISTEN (see deploy/overlays/tls) "
                             "or probe with tcpSocket")
            if probe["grpc"].get("port") != probe_port:
                report.error(t.name, f"{kind}: grpc.port "
                             f"{probe['grpc'].get('port')} != the health "
                             f"port ({probe_port})")
            if probe["grpc"].get("service"):
                report.error(t.name, f"{kind}: probe the server's overall "
                             "health (service \"\"), the one the drain flips")
        elif grpc_probe_ok:
            report.error(t.name, f"{kind}: must be a native gRPC probe "
                         "(grpc.port) on the standard health service")
        elif "tcpSocket" in probe:
            if probe["tcpSocket"].get("port") not in ("grpc", grpc_port):
                report.error(t.name, f"{kind}: tcpSocket must target the "
                             "grpc port")
        else:
            report.error(t.name, f"{kind}: expected tcpSocket on the grpc "
                         "port when TLS is on")


def duration_setting(t, env_name, flags, report):
    text = t.value(env_name)
    if text is None and env_name in flags:
        text = flags[env_name].default
    if text is None:
        return None
    try:
        return gateway_flags.parse_duration(text)
    except ValueError:
        report.error(t.name, f"{env_name}={text!r} is not a duration")
        return None


def check_drain(t, flags, report):
    drain = duration_setting(t, "LIPSYNC_DRAIN_DELAY", flags, report)
    grace = duration_setting(t, "LIPSYNC_SHUTDOWN_GRACE", flags, report)
    if drain is None or grace is None:
        return
    tgps = t.pod_spec.get("terminationGracePeriodSeconds", 30)
    if not tgps > drain + grace:
        report.error(t.name, f"terminationGracePeriodSeconds ({tgps}) must "
                     f"exceed drain_delay + shutdown_grace ({drain:g}s + "
                     f"{grace:g}s), or the kubelet SIGKILLs calls in flight")
    if drain <= 0:
        report.error(t.name, "LIPSYNC_DRAIN_DELAY is 0: in Kubernetes the pod "
                     "must keep serving while the Endpoints update (~5s)")
    readiness = t.container.get("readinessProbe") or {}
    window = (readiness.get("periodSeconds", 10)
              * readiness.get("failureThreshold", 3))
    if "grpc" in readiness and drain > 0 and window > drain:
        report.error(t.name, f"readinessProbe notices NOT_SERVING after up to "
                     f"{window}s (periodSeconds x failureThreshold), longer "
                     f"than drain_delay ({drain:g}s)")
    if t.container.get("lifecycle", {}).get("preStop"):
        report.warn(t.name, "a preStop hook delays SIGTERM on top of the "
                    "binary's drain_delay; count it in "
                    "terminationGracePeriodSeconds")


def check_security(t, report):
    pod = t.pod_spec.get("securityContext", {})
    box = t.container.get("securityContext", {})

    def either(key):
        return box.get(key, pod.get(key))

    if either("runAsNonRoot") is not True:
        report.error(t.name, "runAsNonRoot must be true")
    if either("runAsUser") != RUN_AS:
        report.error(t.name, f"runAsUser must be {RUN_AS} (the image's user)")
    if box.get("readOnlyRootFilesystem") is not True:
        report.error(t.name, "readOnlyRootFilesystem must be true")
    if box.get("allowPrivilegeEscalation") is not False:
        report.error(t.name, "allowPrivilegeEscalation must be false")
    if box.get("privileged"):
        report.error(t.name, "the container must not be privileged")
    if "ALL" not in box.get("capabilities", {}).get("drop", []):
        report.error(t.name, "capabilities.drop must contain ALL")
    if box.get("capabilities", {}).get("add"):
        report.error(t.name, "no capabilities may be added")
    if (either("seccompProfile") or {}).get("type") != "RuntimeDefault":
        report.error(t.name, "seccompProfile.type must be RuntimeDefault")
    tmp = [m for m in t.container.get("volumeMounts", [])
           if m.get("mountPath") == "/tmp"]
    if not tmp or "emptyDir" not in (t.volume(tmp[0]["name"]) or {}):
        report.error(t.name, "mount an emptyDir at /tmp (read-only root "
                     "filesystem)")
    for name in ("hostNetwork", "hostPID", "hostIPC"):
        if t.pod_spec.get(name):
            report.error(t.name, f"{name} must not be set")


def check_resources(t, report):
    resources = t.container.get("resources", {})
    requests = resources.get("requests", {})
    limits = resources.get("limits", {})
    for key in ("cpu", "memory"):
        if key not in requests:
            report.error(t.name, f"resources.requests.{key} is missing (the "
                         "HPA computes utilization from it)")
    if "memory" not in limits:
        report.error(t.name, "resources.limits.memory is missing")


def check_service_account(t, report):
    name = t.pod_spec.get("serviceAccountName")
    if not name:
        report.error(t.name, "the pod must use its own ServiceAccount")
        return
    accounts = find(t.docs, "ServiceAccount", name)
    if not accounts:
        report.error(t.name, f"ServiceAccount {name} is not rendered")
        return
    automount = t.pod_spec.get("automountServiceAccountToken",
                               accounts[0].get("automountServiceAccountToken"))
    if automount is not False:
        report.error(t.name, "automountServiceAccountToken must be false")


def pod_labels_of_workloads(docs):
    for kind in ("Deployment", "StatefulSet", "DaemonSet"):
        for doc in find(docs, kind):
            yield doc["metadata"]["name"], doc.get("spec", {}).get(
                "template", {}).get("metadata", {}).get("labels", {})


def check_services(t, report):
    ports = t.container_ports()
    numbers = set(ports.values())
    cluster_ip, headless = [], []
    for service in find(t.docs, "Service"):
        name = service["metadata"]["name"]
        spec = service.get("spec", {})
        selector = spec.get("selector", {})
        if not any(subset(selector, labels)
                   for _, labels in pod_labels_of_workloads(t.docs)):
            report.error(t.name, f"Service {name}: selector {selector} "
                         "matches no Deployment's pods")
        if not subset(selector, t.pod_labels):
            continue
        for port in spec.get("ports", []):
            target = port.get("targetPort", port.get("port"))
            if target not in ports and target not in numbers:
                report.error(t.name, f"Service {name}: targetPort {target} "
                             "is not a gateway container port")
            if port.get("name") == "grpc" and port.get("appProtocol") != "grpc":
                report.error(t.name, f"Service {name}: port grpc needs "
                             "appProtocol: grpc")
        names = {p.get("name") for p in spec.get("ports", [])}
        if spec.get("clusterIP") == "None":
            headless.append((name, names))
        else:
            cluster_ip.append((name, names))
    if not any({"grpc", "metrics"} <= names for _, names in cluster_ip):
        report.error(t.name, "no ClusterIP Service with ports grpc and "
                     "metrics selects the gateway")
    if not any("grpc" in names for _, names in headless):
        report.error(t.name, "no headless Service (clusterIP: None) with port "
                     "grpc selects the gateway (client-side round_robin)")


def check_scaling(t, report):
    hpas = [h for h in find(t.docs, "HorizontalPodAutoscaler")
            if h.get("spec", {}).get("scaleTargetRef", {}).get("name")
            == DEPLOYMENT]
    if not hpas:
        report.error(t.name, f"no HorizontalPodAutoscaler targets {DEPLOYMENT}")
    for hpa in hpas:
        spec = hpa["spec"]
        if spec["scaleTargetRef"].get("kind") != "Deployment":
            report.error(t.name, "the HPA must target the Deployment")
        if spec.get("minReplicas", 1) < 2:
            report.error(t.name, "HPA minReplicas must be >= 2")
        if spec.get("maxReplicas", 0) < spec.get("minReplicas", 1):
            report.error(t.name, "HPA maxReplicas < minReplicas")
        if not any(m.get("resource", {}).get("name") == "cpu"
                   for m in spec.get("metrics", [])):
            report.error(t.name, "the HPA has no CPU metric")
    pdbs = [p for p in find(t.docs, "PodDisruptionBudget")
            if subset(p.get("spec", {}).get("selector", {})
                      .get("matchLabels", {}), t.pod_labels)]
    if not pdbs:
        report.error(t.name, "no PodDisruptionBudget selects the gateway pods")
    replicas = int(t.deployment.get("spec", {}).get("replicas", 1))
    for pdb in pdbs:
        spec = pdb["spec"]
        if "minAvailable" in spec and not str(spec["minAvailable"]).endswith(
                "%") and int(spec["minAvailable"]) >= replicas:
            report.error(t.name, "PDB minAvailable >= replicas blocks every "
                         "node drain")
        if "maxUnavailable" in spec and spec["maxUnavailable"] in (0, "0%"):
            report.error(t.name, "PDB maxUnavailable 0 blocks every node drain")


def check_network_policy(t, report):
    ports = t.container_ports()
    policies = [p for p in find(t.docs, "NetworkPolicy")
                if subset(p.get("spec", {}).get("podSelector", {})
                          .get("matchLabels", {}), t.pod_labels)]
    ingress_ports = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            if not rule.get("from"):
                report.error(t.name, f"NetworkPolicy "
                             f"{policy['metadata']['name']}: an ingress rule "
                             "without `from` admits everyone")
            for port in rule.get("ports", []):
                ingress_ports.add(port.get("port"))
    if not any("Ingress" in p["spec"].get("policyTypes", []) for p in policies):
        report.error(t.name, "no NetworkPolicy restricts ingress to the "
                     "gateway pods")
        return
    allowed = {ports.get("grpc"), ports.get("metrics"), "grpc", "metrics"}
    for port in ingress_ports - allowed:
        report.error(t.name, f"NetworkPolicy admits port {port}, not a "
                     "gateway port")
    for name in ("grpc", "metrics"):
        if ports.get(name) not in ingress_ports and name not in ingress_ports:
            report.error(t.name, f"NetworkPolicy never admits port {name}")


def check_base_layout(deploy_dir, report):
    base = os.path.join(deploy_dir, "base")
    kustomization = load_documents(kustomization_file(base))[0]
    listed = set(kustomization.get("resources", []))
    for name in ("secret.example.yaml", "servicemonitor.yaml"):
        if not os.path.isfile(os.path.join(base, name)):
            report.error("base", f"deploy/base/{name} is missing")
        if name in listed:
            report.error("base", f"{name} must stay out of the kustomization "
                         "resources")
    for doc in load_documents(os.path.join(base, "servicemonitor.yaml")):
        if doc.get("kind") != "ServiceMonitor":
            report.error("base", "servicemonitor.yaml holds a "
                         f"{doc.get('kind')}")
        elif not any(e.get("port") == "metrics"
                     for e in doc.get("spec", {}).get("endpoints", [])):
            report.error("base", "the ServiceMonitor does not scrape port "
                         "metrics")


def check_defaults(t, flags, report):
    for env_name, flag in sorted(flags.items()):
        source = t.env.get(env_name)
        if (source is None or source.kind != "configMap"
                or env_name.endswith("_FILE")
                or env_name in INTENTIONAL_OVERRIDES):
            continue
        if not gateway_flags.same_value(source.value, flag.default):
            report.warn(t.name, f"{env_name}={source.value!r} in the "
                        f"ConfigMap, but the binary's default is "
                        f"{flag.default!r}: update configmap.yaml, or list it "
                        "in INTENTIONAL_OVERRIDES with a comment")


# --- smoke run ----------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smoke_run(t, flags, gateway, report):
    """Starts the gateway on loopback with the target's settings; it must
    start serving and exit 0 on SIGTERM."""
    with tempfile.TemporaryDirectory(prefix="deploy-smoke-") as tmp:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for env_name, source in t.env.items():
            if env_name in flags and source.value is not None:
                env[env_name] = source.value
        for env_name in list(env):
            if env_name.endswith("_FILE") and env[env_name]:
                path = os.path.join(tmp, env_name.lower())
                with open(path, "w", encoding="utf-8") as f:
                    # Tokens must be >= 16 bytes (service/security).
                    f.write("smoke:smoke-token-0123456789abcdef\n"
                            if "TOKEN" in env_name
                            else "smoke-secret-0123456789abcdef\n")
                env[env_name] = path
        port_file = os.path.join(tmp, "port")
        env.update({"LIPSYNC_LISTEN": "127.0.0.1:0",
                    "LIPSYNC_PORT_FILE": port_file,
                    "LIPSYNC_DRAIN_DELAY": "0s",
                    "LIPSYNC_SHUTDOWN_GRACE": "2s"})
        if "LIPSYNC_METRICS_LISTEN" in flags:
            env["LIPSYNC_METRICS_LISTEN"] = f"127.0.0.1:{free_port()}"
        if env.get("LIPSYNC_HEALTH_LISTEN"):
            env["LIPSYNC_HEALTH_LISTEN"] = f"127.0.0.1:{free_port()}"
        with open(os.path.join(tmp, "stderr"), "w+", encoding="utf-8") as err:
            proc = subprocess.Popen([gateway], env=env, stdout=err,
                                    stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while (time.monotonic() < deadline and proc.poll() is None
                   and not os.path.exists(port_file)):
                time.sleep(0.05)
            started = os.path.exists(port_file) and proc.poll() is None
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
            err.seek(0)
            output = err.read().strip()
    if not started:
        report.error(t.name, "the gateway does not start with the ConfigMap's "
                     f"settings (exit {code}):\n    {output[-2000:]}")
    elif code != 0:
        report.error(t.name, f"the gateway exited {code} after SIGTERM "
                     f"(expected 0):\n    {output[-2000:]}")


# --- main ---------------------------------------------------------------------


def read_expected(path):
    with open(path, encoding="utf-8") as f:
        return [line.split("#")[0].strip() for line in f
                if line.split("#")[0].strip()]


def targets_of(deploy_dir, chosen):
    if chosen:
        return chosen
    overlays = os.path.join(deploy_dir, "overlays")
    names = ["base"]
    if os.path.isdir(overlays):
        for entry in sorted(os.listdir(overlays)):
            directory = os.path.join(overlays, entry)
            try:
                kustomization_file(directory)
                names.append(f"overlays/{entry}")
            except RenderError:
                pass
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deploy", required=True, help="the deploy/ folder")
    parser.add_argument("--gateway", required=True,
                        help="the lipsync-gateway binary (its --helpfull "
                        "lists the settings to wire)")
    parser.add_argument("--expected_env", "--expected-env",
                        help="file of variable names that must be wired even "
                        "if the binary does not declare them (yet)")
    parser.add_argument("--target", action="append",
                        help="kustomization under --deploy to check (default: "
                        "base and every overlays/*)")
    parser.add_argument("--no_smoke", "--no-smoke", action="store_true",
                        help="skip starting the binary with the settings")
    parser.add_argument("--kustomize_cmd", "--kustomize-cmd",
                        default="kubectl kustomize",
                        help="the command that renders a kustomization "
                        "directory (default: %(default)s)")
    args = parser.parse_args()
    tool = shlex.split(args.kustomize_cmd)[:1]
    if not tool or shutil.which(tool[0]) is None:
        print(f"check_manifests: `{args.kustomize_cmd}` renders the "
              f"manifests, but {tool[0] if tool else 'it'} is not on PATH "
              "(kubectl 1.32 is preinstalled on these machines; Debian 12 "
              "has no kubectl package)", file=sys.stderr)
        return 1

    report = Report()
    flags = gateway_flags.parse_helpfull(
        gateway_flags.helpfull_text(args.gateway))
    if not flags:
        print("check_manifests: found no [ENV_NAME] markers in --helpfull",
              file=sys.stderr)
        return 1
    expected = read_expected(args.expected_env) if args.expected_env else []
    declared = set(flags) | set(expected)
    catalog = load_documents(
        os.path.join(args.deploy, "base", "secret.example.yaml"))

    check_base_layout(args.deploy, report)
    names = targets_of(args.deploy, args.target)
    for name in names:
        directory = os.path.join(args.deploy, name)
        try:
            docs = render(directory, args.kustomize_cmd)
        except RenderError as e:
            report.error(name, str(e))
            continue
        t = Target(name, docs, catalog)
        if t.container is None:
            report.error(name, f"no Deployment {DEPLOYMENT} with a container "
                         f"named {CONTAINER}")
            continue
        if name == "base" and find(docs, "Secret"):
            report.error(name, "the base must not render Secrets (create them "
                         "with kubectl; see secret.example.yaml)")
        resolve_env(t, report)
        check_workload(t, report)
        check_wiring(t, flags, expected, report)
        check_credentials(t, declared, report)
        check_files(t, report)
        check_tls(t, declared, report)
        check_ports_and_probes(t, declared, report)
        check_drain(t, flags, report)
        check_security(t, report)
        check_resources(t, report)
        check_service_account(t, report)
        check_services(t, report)
        check_scaling(t, report)
        check_network_policy(t, report)
        if name == "base":
            check_defaults(t, flags, report)
        if not args.no_smoke:
            if tls_enabled(t):
                print(f"[{name}] smoke run skipped: needs TLS key material")
            else:
                smoke_run(t, flags, args.gateway, report)

    for warning in report.warnings:
        print(f"WARNING {warning}")
    for error in report.errors:
        print(f"ERROR {error}")
    print(f"check_manifests: {len(names)} kustomizations, {len(flags)} "
          f"settings declared by the binary ({len(expected)} expected), "
          f"{len(report.errors)} errors, {len(report.warnings)} warnings")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())

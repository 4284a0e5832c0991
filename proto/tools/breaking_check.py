#!/usr/bin/python3
"""Wire/JSON/generated-code breaking-change check against the last release.

    /usr/bin/python3 proto/tools/breaking_check.py \
        [--against proto/descriptors/lipsync_v1.pb] \
        [--proto_root proto] [FILE.proto ...] | [--new SET.pb]

Compares the committed release FileDescriptorSet (see
cut_release_descriptor.sh) with one built now from the .proto files, and
fails (exit 1) on any change that breaks an existing client or server:

  - a file, message, enum, service or rpc removed (renaming is removing);
  - a package or a go/java package option changed;
  - a field removed, unless its number AND name are now `reserved`;
  - a field renumbered (its name now has another number);
  - a field renamed (same number, other name: breaks JSON and generated
    code) or its json_name changed;
  - a field's type (scalar kind or message/enum type) changed;
  - a field's label changed (singular <-> repeated) or its presence
    (proto3 `optional` added or removed), or it moved into/out of a oneof;
  - an enum value removed (unless its number and name are reserved),
    renumbered or renamed;
  - an rpc's request/response type or streaming changed.

Anything added (fields, messages, enum values, rpcs, services) is fine.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protodesc  # noqa: E402
from protodesc import FieldType  # noqa: E402

LABELS = {FieldType.LABEL_OPTIONAL: "singular",
          FieldType.LABEL_REQUIRED: "required",
          FieldType.LABEL_REPEATED: "repeated"}
FILE_OPTIONS_CHECKED = ("go_package", "java_package", "java_outer_classname",
                        "java_multiple_files", "csharp_namespace",
                        "objc_class_prefix", "php_namespace", "ruby_package")


def index(fds):
    """name -> descriptor maps over every file of a FileDescriptorSet."""
    files, messages, enums, services = {}, {}, {}, {}
    for fp in fds.file:
        files[fp.name] = fp
        for name, m, _ in protodesc.walk_messages(fp):
            messages[name] = m
        for name, e, _ in protodesc.walk_enums(fp):
            enums[name] = e
        for svc in fp.service:
            services[".%s.%s" % (fp.package, svc.name)] = svc
    return files, messages, enums, services


def reserved(descriptor, number, name):
    """True when both the number and the name are reserved (ranges of
    messages are end-exclusive, of enums end-inclusive)."""
    inclusive = hasattr(descriptor, "value")  # an EnumDescriptorProto
    in_range = any(r.start <= number < r.end + (1 if inclusive else 0)
                   for r in descriptor.reserved_range)
    return in_range and name in descriptor.reserved_name


def oneof_of(message, field):
    if not field.HasField("oneof_index") or field.proto3_optional:
        return None
    return message.oneof_decl[field.oneof_index].name


def compare(old_fds, new_fds):
    """Returns a list of human-readable breaking changes (empty: fine)."""
    problems = []
    old_files, old_msgs, old_enums, old_svcs = index(old_fds)
    new_files, new_msgs, new_enums, new_svcs = index(new_fds)

    for name, old in old_files.items():
        new = new_files.get(name)
        if new is None:
            problems.append("file %s was removed" % name)
            continue
        if old.package != new.package:
            problems.append("file %s: package changed from %s to %s" %
                            (name, old.package, new.package))
        for opt in FILE_OPTIONS_CHECKED:
            a, b = getattr(old.options, opt), getattr(new.options, opt)
            if a != b:
                problems.append("file %s: option %s changed from %r to %r" %
                                (name, opt, a, b))

    for name, old in old_msgs.items():
        new = new_msgs.get(name)
        if new is None:
            problems.append("message %s was removed" % name[1:])
            continue
        problems.extend(compare_fields(name[1:], old, new))

    for name, old in old_enums.items():
        new = new_enums.get(name)
        if new is None:
            problems.append("enum %s was removed" % name[1:])
            continue
        new_by_number = {v.number: v for v in new.value}
        new_by_name = {v.name: v for v in new.value}
        for v in old.value:
            subject = "enum value %s.%s (= %d)" % (name[1:], v.name, v.number)
            nv = new_by_number.get(v.number)
            if nv is None:
                if v.name in new_by_name:
                    problems.append("%s was renumbered to %d" %
                                    (subject, new_by_name[v.name].number))
                elif not reserved(new, v.number, v.name):
                    problems.append("%s was removed (reserve its number and "
                                    "name to delete it)" % subject)
            elif nv.name != v.name:
                problems.append("%s was renamed to %s" % (subject, nv.name))

    for name, old in old_svcs.items():
        new = new_svcs.get(name)
        if new is None:
            problems.append("service %s was removed" % name[1:])
            continue
        new_methods = {m.name: m for m in new.method}
        for m in old.method:
            subject = "rpc %s.%s" % (name[1:], m.name)
            nm = new_methods.get(m.name)
            if nm is None:
                problems.append("%s was removed" % subject)
                continue
            for attr, what in (("input_type", "request type"),
                               ("output_type", "response type")):
                if getattr(m, attr) != getattr(nm, attr):
                    problems.append("%s: %s changed from %s to %s" % (
                        subject, what, getattr(m, attr)[1:],
                        getattr(nm, attr)[1:]))
            for attr, what in (("client_streaming", "client streaming"),
                               ("server_streaming", "server streaming")):
                if getattr(m, attr) != getattr(nm, attr):
                    problems.append("%s: %s changed from %s to %s" % (
                        subject, what, getattr(m, attr), getattr(nm, attr)))
    return problems


def compare_fields(message_name, old, new):
    problems = []
    new_by_number = {f.number: f for f in new.field}
    new_by_name = {f.name: f for f in new.field}
    for f in old.field:
        subject = "field %s.%s (= %d)" % (message_name, f.name, f.number)
        nf = new_by_number.get(f.number)
        if nf is None:
            if f.name in new_by_name:
                problems.append("%s was renumbered to %d" %
                                (subject, new_by_name[f.name].number))
            elif not reserved(new, f.number, f.name):
                problems.append("%s was removed (reserve its number and name "
                                "to delete it)" % subject)
            continue
        if nf.name != f.name:
            problems.append("%s was renamed to %s" % (subject, nf.name))
        elif nf.json_name != f.json_name:
            problems.append("%s: json_name changed from %s to %s" %
                            (subject, f.json_name, nf.json_name))
        if nf.type != f.type or nf.type_name != f.type_name:
            problems.append("%s: type changed from %s to %s" % (
                subject, protodesc.type_name(f).lstrip("."),
                protodesc.type_name(nf).lstrip(".")))
        if nf.label != f.label:
            problems.append("%s: label changed from %s to %s" % (
                subject, LABELS[f.label], LABELS[nf.label]))
        if nf.proto3_optional != f.proto3_optional:
            problems.append("%s: presence changed (proto3 `optional` %s)" % (
                subject, "added" if nf.proto3_optional else "removed"))
        if oneof_of(old, f) != oneof_of(new, nf):
            problems.append("%s: oneof changed from %s to %s" % (
                subject, oneof_of(old, f), oneof_of(new, nf)))
    return problems


def main():
    parser = argparse.ArgumentParser(
        description="Breaking-change check against the release descriptor.")
    parser.add_argument("files", nargs="*", default=protodesc.SCHEMA_FILES,
                        help="files relative to --proto_root")
    parser.add_argument("--against", default=protodesc.RELEASE_DESCRIPTOR,
                        help="the last release's FileDescriptorSet")
    parser.add_argument("--proto_root", default=protodesc.PROTO_ROOT)
    parser.add_argument("--new", help="compare this FileDescriptorSet instead "
                        "of building one from --proto_root")
    args = parser.parse_args()

    old = protodesc.read_descriptor_set(args.against)
    if args.new:
        new = protodesc.read_descriptor_set(args.new)
    else:
        new = protodesc.build_descriptor_set(args.proto_root, args.files)
    problems = compare(old, new)
    for p in problems:
        print("BREAKING: %s" % p)
    _, old_msgs, old_enums, old_svcs = index(old)
    print("breaking check: %d breaking change(s) against %s "
          "(%d messages, %d enums, %d services of the release checked)" %
          (len(problems), os.path.relpath(args.against), len(old_msgs),
           len(old_enums), len(old_svcs)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers of the schema tools: build a FileDescriptorSet with the
system protoc and walk it with comments attached.

Needs only protoc (Debian: protobuf-compiler) and descriptor_pb2 from
python3-protobuf; run the tools with /usr/bin/python3.
"""

import os
import subprocess
import tempfile

from google.protobuf import descriptor_pb2

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROTO_ROOT = os.path.join(REPO, "proto")
# The schema files the tools check (relative to the proto root).
SCHEMA_FILES = ["kling/lipsync/v1/lipsync.proto"]
RELEASE_DESCRIPTOR = os.path.join(PROTO_ROOT, "descriptors", "lipsync_v1.pb")

# FileDescriptorProto / DescriptorProto field numbers used in
# SourceCodeInfo.Location.path.
FILE_MESSAGE = 4
FILE_ENUM = 5
FILE_SERVICE = 6
FILE_SYNTAX = 12
MESSAGE_FIELD = 2
MESSAGE_NESTED = 3
MESSAGE_ENUM = 4
ENUM_VALUE = 2
SERVICE_METHOD = 2

FieldType = descriptor_pb2.FieldDescriptorProto


def protoc_binary():
    return os.environ.get("PROTOC", "protoc")


def build_descriptor_set(proto_root=PROTO_ROOT, files=None,
                         source_info=False, include_imports=True,
                         extra_includes=()):
    """Runs protoc and returns the FileDescriptorSet of `files`."""
    files = files or SCHEMA_FILES
    with tempfile.TemporaryDirectory(prefix="protodesc-") as tmp:
        out = os.path.join(tmp, "set.pb")
        argv = [protoc_binary(), "-I", proto_root]
        for inc in extra_includes:
            argv += ["-I", inc]
        argv += ["--descriptor_set_out=" + out]
        if include_imports:
            argv.append("--include_imports")
        if source_info:
            argv.append("--include_source_info")
        argv += files
        result = subprocess.run(argv, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError("protoc failed (%s):\n%s" %
                               (" ".join(argv), result.stderr))
        return read_descriptor_set(out)


def read_descriptor_set(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    return fds


class Comments:
    """Leading/trailing comments and positions by SourceCodeInfo path."""

    def __init__(self, file_proto):
        self.by_path = {}
        for loc in file_proto.source_code_info.location:
            self.by_path[tuple(loc.path)] = loc

    def leading(self, path):
        loc = self.by_path.get(tuple(path))
        return clean(loc.leading_comments) if loc else ""

    def trailing(self, path):
        loc = self.by_path.get(tuple(path))
        return clean(loc.trailing_comments) if loc else ""

    def line(self, path):
        loc = self.by_path.get(tuple(path))
        return loc.span[0] + 1 if loc and loc.span else 0


def clean(comment):
    """A protoc comment without the leading space of each line."""
    lines = [l[1:] if l.startswith(" ") else l for l in comment.split("\n")]
    return "\n".join(lines).strip()


def walk_messages(file_proto):
    """Yields (full_name, DescriptorProto, source path) for every message,
    nested ones included, in file order."""
    prefix = "." + file_proto.package if file_proto.package else ""

    def rec(messages, scope, path):
        for i, m in enumerate(messages):
            name = "%s.%s" % (scope, m.name)
            p = path + [i]
            yield name, m, p
            yield from rec(m.nested_type, name, p + [MESSAGE_NESTED])

    yield from rec(file_proto.message_type, prefix, [FILE_MESSAGE])


def walk_enums(file_proto):
    """Yields (full_name, EnumDescriptorProto, source path) for every enum."""
    prefix = "." + file_proto.package if file_proto.package else ""
    for i, e in enumerate(file_proto.enum_type):
        yield "%s.%s" % (prefix, e.name), e, [FILE_ENUM, i]
    for name, m, path in walk_messages(file_proto):
        if m.options.map_entry:
            continue
        for i, e in enumerate(m.enum_type):
            yield "%s.%s" % (name, e.name), e, path + [MESSAGE_ENUM, i]


def type_label(field):
    """'repeated', 'optional' (proto3 explicit presence) or ''."""
    if field.label == FieldType.LABEL_REPEATED:
        return "repeated"
    if field.proto3_optional:
        return "optional"
    if field.label == FieldType.LABEL_REQUIRED:
        return "required"
    return ""


_SCALAR_NAMES = {
    v: k[len("TYPE_"):].lower()
    for k, v in FieldType.Type.items()
}


def type_name(field):
    """A field's type as written in a .proto: int64, string, .pkg.Msg."""
    if field.type in (FieldType.TYPE_MESSAGE, FieldType.TYPE_ENUM,
                      FieldType.TYPE_GROUP):
        return field.type_name
    return _SCALAR_NAMES[field.type]

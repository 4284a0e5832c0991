#!/usr/bin/python3
"""Schema lint for the lipsync-gateway contract.

    /usr/bin/python3 proto/tools/lint.py [--proto_root DIR] [--baseline FILE]
                                         [FILE.proto ...]

Rules (each finding names its rule):
  package-version       the package ends with a version (`v1`, `v2beta1`)
  package-directory     the file lives in the directory of its package
  message-name          messages, enums, services and rpcs are PascalCase
  field-name            fields are lower_snake_case
  enum-value-name       enum values are UPPER_SNAKE_CASE and prefixed with
                        the enum's name in UPPER_SNAKE_CASE
  enum-zero-value       the first value is <PREFIX>_UNSPECIFIED = 0
  request-name          rpc Foo takes FooRequest
  comment-message       every message, enum and service has a leading comment
  comment-rpc           every rpc has a leading comment
  comment-request-field every field of a request message (an rpc input, and
                        every message reachable from one) has a comment
  comment-enum-value    every enum value but the zero one has a comment
  field-number          numbers in 1..536870911, outside 19000..19999, no
                        number used twice, no field on a reserved number or
                        name (protoc checks most of these too; the release
                        history is breaking_check.py's job)

Known findings that predate the lint are listed in the baseline file
(proto/tools/lint_baseline.txt) as `[rule] subject` lines: they are reported
as "baselined" and do not fail; any other finding fails (exit 1). A baseline
entry that no longer matches is reported so that it can be deleted.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protodesc  # noqa: E402
from protodesc import FieldType  # noqa: E402

PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
VERSION = re.compile(r"^v\d+((alpha|beta)\d*)?$")
DEFAULT_BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "lint_baseline.txt")
MAX_FIELD_NUMBER = 536870911


def upper_snake(pascal):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", pascal).upper()


class Finding:
    def __init__(self, filename, line, rule, subject, message):
        self.filename, self.line = filename, line
        self.rule, self.subject, self.message = rule, subject, message

    @property
    def key(self):
        return "[%s] %s" % (self.rule, self.subject)

    def __str__(self):
        return "%s:%d: %s: %s" % (self.filename, self.line, self.key,
                                  self.message)


def lint_file(fp):
    findings = []
    comments = protodesc.Comments(fp)

    def add(path, rule, subject, message):
        findings.append(Finding(fp.name, comments.line(path), rule,
                                subject.lstrip("."), message))

    # Package.
    parts = fp.package.split(".")
    if not VERSION.match(parts[-1]):
        add([2], "package-version", fp.package,
            "package should end with a version such as v1")
    if os.path.dirname(fp.name) != "/".join(parts):
        add([2], "package-directory", fp.name,
            "file should be in directory %s/" % "/".join(parts))

    # Which messages are on the request side: rpc inputs and every message
    # reachable from them through fields.
    messages = {name: (m, path) for name, m, path in
                protodesc.walk_messages(fp)}
    request_side = set()
    pending = ["%s" % method.input_type for svc in fp.service
               for method in svc.method]
    while pending:
        name = pending.pop()
        if name in request_side or name not in messages:
            continue
        request_side.add(name)
        for f in messages[name][0].field:
            if f.type == FieldType.TYPE_MESSAGE:
                pending.append(f.type_name)

    for name, m, path in protodesc.walk_messages(fp):
        if m.options.map_entry:
            continue
        if not PASCAL.match(m.name):
            add(path, "message-name", name, "message names are PascalCase")
        if not comments.leading(path):
            add(path, "comment-message", name,
                "message has no leading comment")
        lint_fields(name, m, path, name in request_side, comments, add)

    for name, e, path in protodesc.walk_enums(fp):
        if not PASCAL.match(e.name):
            add(path, "message-name", name, "enum names are PascalCase")
        if not comments.leading(path):
            add(path, "comment-message", name, "enum has no leading comment")
        prefix = upper_snake(e.name) + "_"
        for i, v in enumerate(e.value):
            vpath = path + [protodesc.ENUM_VALUE, i]
            vname = "%s.%s" % (name, v.name)
            if not UPPER_SNAKE.match(v.name) or not v.name.startswith(prefix):
                add(vpath, "enum-value-name", vname,
                    "enum values are UPPER_SNAKE_CASE prefixed with %s" %
                    prefix)
            if i == 0 and (v.number != 0 or v.name != prefix + "UNSPECIFIED"):
                add(vpath, "enum-zero-value", vname,
                    "the first value should be %sUNSPECIFIED = 0" % prefix)
            if v.number != 0 and not (comments.leading(vpath) or
                                      comments.trailing(vpath)):
                add(vpath, "comment-enum-value", vname,
                    "enum value has no comment")

    for si, svc in enumerate(fp.service):
        spath = [protodesc.FILE_SERVICE, si]
        sname = "%s.%s" % (fp.package, svc.name)
        if not PASCAL.match(svc.name):
            add(spath, "message-name", sname, "service names are PascalCase")
        if not comments.leading(spath):
            add(spath, "comment-message", sname,
                "service has no leading comment")
        for mi, method in enumerate(svc.method):
            mpath = spath + [protodesc.SERVICE_METHOD, mi]
            mname = "%s.%s" % (sname, method.name)
            if not PASCAL.match(method.name):
                add(mpath, "message-name", mname, "rpc names are PascalCase")
            if not comments.leading(mpath):
                add(mpath, "comment-rpc", mname, "rpc has no leading comment")
            want = method.name + "Request"
            if method.input_type.rsplit(".", 1)[-1] != want:
                add(mpath, "request-name", mname,
                    "rpc %s should take %s" % (method.name, want))
    return findings


def lint_fields(name, m, path, is_request, comments, add):
    seen = {}
    reserved_names = set(m.reserved_name)
    for i, f in enumerate(m.field):
        fpath = path + [protodesc.MESSAGE_FIELD, i]
        fname = "%s.%s" % (name, f.name)
        if not SNAKE.match(f.name):
            add(fpath, "field-name", fname, "field names are lower_snake_case")
        if is_request and not (comments.leading(fpath) or
                               comments.trailing(fpath)):
            add(fpath, "comment-request-field", fname,
                "field of a request message has no comment")
        n = f.number
        if n < 1 or n > MAX_FIELD_NUMBER or 19000 <= n <= 19999:
            add(fpath, "field-number", fname,
                "field number %d is outside the usable range" % n)
        if n in seen:
            add(fpath, "field-number", fname,
                "field number %d is also used by %s" % (n, seen[n]))
        seen[n] = f.name
        for r in m.reserved_range:  # end is exclusive
            if r.start <= n < r.end:
                add(fpath, "field-number", fname,
                    "field number %d is reserved" % n)
        if f.name in reserved_names:
            add(fpath, "field-number", fname, "field name is reserved")


def read_baseline(path):
    if not path or not os.path.exists(path):
        return set()
    with open(path) as f:
        return {l.strip() for l in f
                if l.strip() and not l.lstrip().startswith("#")}


def main():
    parser = argparse.ArgumentParser(
        description="Schema lint for the lipsync-gateway contract.")
    parser.add_argument("files", nargs="*", default=protodesc.SCHEMA_FILES,
                        help="files relative to --proto_root")
    parser.add_argument("--proto_root", default=protodesc.PROTO_ROOT)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help="accepted findings ('' for none)")
    args = parser.parse_args()

    fds = protodesc.build_descriptor_set(args.proto_root, args.files,
                                         source_info=True,
                                         include_imports=False)
    findings = []
    for fp in fds.file:
        findings.extend(lint_file(fp))
    baseline = read_baseline(args.baseline)
    new = [f for f in findings if f.key not in baseline]
    for f in findings:
        if f.key in baseline:
            print("baselined: %s" % f)
    for f in new:
        print("error: %s" % f)
    stale = sorted(baseline - {f.key for f in findings})
    for key in stale:
        print("note: baseline entry no longer needed (delete it from %s): %s"
              % (os.path.relpath(args.baseline, protodesc.REPO), key))
    print("lint: %d file(s), %d finding(s): %d new, %d baselined" %
          (len(fds.file), len(findings), len(new), len(findings) - len(new)))
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())

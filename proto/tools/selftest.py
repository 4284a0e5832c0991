#!/usr/bin/python3
"""Negative self-test of breaking_check.py and lint.py.

    /usr/bin/python3 proto/tools/selftest.py

Copies the schema into a temp dir, applies one mutation per case and runs
the real tools on the copy: breaking mutations (a removed field, a
renumbered field, ...) must make breaking_check.py fail and name the change;
additions must pass; lint mutations must make lint.py fail with the rule.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import protodesc  # noqa: E402

SCHEMA = protodesc.SCHEMA_FILES[0]

# (name, [(old text, new text)], expected exit, [expected output fragments])
BREAKING_CASES = [
    ("removed and renumbered field",
     [("  string callback_url = 4;\n", ""),
      ("optional double sound_volume = 7;", "optional double sound_volume = 17;")],
     1, ["field kling.lipsync.v1.CreateLipSyncTaskRequest.callback_url (= 4) "
         "was removed",
         "field kling.lipsync.v1.FaceChoose.sound_volume (= 7) was "
         "renumbered to 17"]),
    ("renamed field",
     [("int32 page_size = 2;", "int32 per_page = 2;")],
     1, ["ListLipSyncTasksRequest.page_size (= 2) was renamed to per_page"]),
    ("changed type",
     [("int64 created_at = 9;", "int32 created_at = 9;")],
     1, ["LipSyncTask.created_at (= 9): type changed from int64 to int32"]),
    ("changed label",
     [("repeated FaceChoose face_choose = 2;", "FaceChoose face_choose = 2;")],
     1, ["face_choose (= 2): label changed from repeated to singular"]),
    ("dropped proto3 optional",
     [("optional int64 sound_end_time = 5;", "int64 sound_end_time = 5;")],
     1, ["sound_end_time (= 5): presence changed (proto3 `optional` "
         "removed)"]),
    ("removed enum value",
     [("  TASK_STATUS_FAILED = 4;\n", "")],
     1, ["enum value kling.lipsync.v1.TaskStatus.TASK_STATUS_FAILED (= 4) "
         "was removed"]),
    ("removed rpc",
     [("  rpc GetLipSyncTask(GetLipSyncTaskRequest) returns (LipSyncTask);\n",
       "")],
     1, ["rpc kling.lipsync.v1.LipSyncService.GetLipSyncTask was removed"]),
    ("stream became unary",
     [("returns (stream LipSyncTask);", "returns (LipSyncTask);")],
     1, ["WatchLipSyncTask: server streaming changed from True to False"]),
    ("additions only",
     [("  string request_id = 6;\n}",
       "  string request_id = 6;\n  // New.\n  string note = 7;\n}\n\n"
       "// New.\nmessage Extra {\n  // New.\n  string x = 1;\n}"),
      ("  TASK_STATUS_FAILED = 4;\n",
       "  TASK_STATUS_FAILED = 4;\n  // New.\n  TASK_STATUS_CANCELLED = 5;\n")],
     0, ["0 breaking change(s)"]),
    ("field removed with number and name reserved",
     [("  string callback_url = 4;\n",
       "  reserved 4;\n  reserved \"callback_url\";\n")],
     0, ["0 breaking change(s)"]),
]

LINT_CASES = [
    ("unchanged schema passes with the baseline", [], 0,
     ["0 new"]),
    ("camelCase field",
     [("string video_url = 2;", "string videoUrl = 2;")],
     1, ["[field-name] kling.lipsync.v1.IdentifyFaceRequest.videoUrl"]),
    ("rpc without comment",
     [("  // Reads one task. Upstream: GET /v1/videos/advanced-lip-sync/{id}.\n",
       "")],
     1, ["[comment-rpc] kling.lipsync.v1.LipSyncService.GetLipSyncTask"]),
    ("request field without comment",
     [("  string request_id = 6;\n}", "  string request_id = 6;\n  string note = 7;\n}")],
     1, ["[comment-request-field] "
         "kling.lipsync.v1.CreateLipSyncTaskRequest.note"]),
    ("enum value without prefix",
     [("  TASK_STATUS_FAILED = 4;", "  FAILED = 4;")],
     1, ["[enum-value-name] kling.lipsync.v1.TaskStatus.FAILED"]),
    ("message without comment",
     [("// One result video.\n", "")],
     1, ["[comment-message] kling.lipsync.v1.ResultVideo"]),
]


def mutated_copy(tmp, mutations):
    root = os.path.join(tmp, "proto")
    shutil.rmtree(root, ignore_errors=True)
    dst = os.path.join(root, SCHEMA)
    os.makedirs(os.path.dirname(dst))
    with open(os.path.join(protodesc.PROTO_ROOT, SCHEMA)) as f:
        text = f.read()
    for old, new in mutations:
        if text.count(old) != 1:
            raise AssertionError("mutation target not found exactly once "
                                 "(update selftest.py): %r" % old)
        text = text.replace(old, new)
    with open(dst, "w") as f:
        f.write(text)
    return root


def run_case(tool, name, mutations, want_rc, fragments, tmp):
    try:
        root = mutated_copy(tmp, mutations)
    except AssertionError as e:
        return False, str(e)
    result = subprocess.run([sys.executable, os.path.join(HERE, tool),
                             "--proto_root", root],
                            capture_output=True, text=True)
    out = result.stdout + result.stderr
    missing = [f for f in fragments if f not in out]
    ok = result.returncode == want_rc and not missing
    detail = "exit %d (want %d)%s\n%s" % (
        result.returncode, want_rc,
        "; missing %r" % missing if missing else "", out)
    return ok, detail


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="schema-selftest-") as tmp:
        for tool, cases in (("breaking_check.py", BREAKING_CASES),
                            ("lint.py", LINT_CASES)):
            for name, mutations, want_rc, fragments in cases:
                ok, detail = run_case(tool, name, mutations, want_rc,
                                      fragments, tmp)
                print("%s - %s: %s" % ("ok" if ok else "FAILED", tool, name))
                if not ok:
                    print("\n".join("    | " + l for l in detail.splitlines()))
                passed += ok
                failed += not ok
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Runs one polyglot client against real kling-sim + lipsync-gateway processes.

    /usr/bin/python3 tests/polyglot/run_polyglot.py \
        --gateway build/service/lipsync-gateway --sim build/sim/kling-sim \
        --mode python|node|reflection
    /usr/bin/python3 tests/polyglot/run_polyglot.py --mode npm_ci

Starts kling-sim and the gateway on free loopback ports (port 0 + --port_file),
runs the example of the chosen language and checks its output:
  python / node: the task reached succeed, the result URL was printed, the
    invalid create's field violations were printed;
  reflection: clients/node/reflect_call.js (types from server reflection
    only) lists LipSyncService and grpc.health.v1.Health, describes them,
    sends the seed's JSON example verbatim and gets a task id, watches it
    to succeed, and shows an INVALID_ARGUMENT whose BadRequest names
    face_choose[0].sound_end_time.
npm_ci: installs clients/node/node_modules from package-lock.json when it is
  missing or stale (the ctest fixture of the node tests; also done by the
  node modes themselves, under a lock).

Must run under /usr/bin/python3 (Debian's python3-grpcio / python3-protobuf).
"""

import argparse
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_DIR = os.path.join(REPO, "clients", "node")
SEED_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "testdata", "seed_create_request.json")
API_KEY = "polyglot-test-key"
START_TIMEOUT_S = 20
CLIENT_TIMEOUT_S = 90


class Failure(Exception):
    pass


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def expect(self, condition, what, context=""):
        if condition:
            self.passed += 1
            print("ok - %s" % what)
        else:
            self.failed += 1
            print("FAILED - %s" % what)
            if context:
                print(indent(context))

    def contains(self, text, needle, what=None):
        self.expect(needle in text, what or "output contains %r" % needle,
                    text)


def indent(text):
    return "\n".join("    | " + line for line in text.splitlines())


# --- processes -----------------------------------------------------------------


class Process:
    def __init__(self, name, argv, env, log_path):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    def wait_port(self, port_file):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("%s exited with %s before listening:\n%s" %
                              (self.name, self.proc.returncode, self.tail()))
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.05)
        raise Failure("%s wrote no port file within %ds:\n%s" %
                      (self.name, START_TIMEOUT_S, self.tail()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def tail(self, lines=40):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])


class Stack:
    """kling-sim + lipsync-gateway on free loopback ports."""

    def __init__(self, gateway_bin, sim_bin, workdir):
        self.workdir = workdir
        self.sim = None
        self.gateway = None
        sim_port_file = os.path.join(workdir, "sim.port")
        self.sim = Process("kling-sim", [
            sim_bin, "--listen=127.0.0.1:0", "--port_file=" + sim_port_file,
            "--api_key=" + API_KEY, "--processing_after_ms=200",
            "--finish_after_ms=600"
        ], dict(os.environ), os.path.join(workdir, "sim.log"))
        sim_port = self.sim.wait_port(sim_port_file)
        gw_port_file = os.path.join(workdir, "gateway.port")
        env = dict(os.environ)
        env["KLING_API_KEY"] = API_KEY
        self.gateway = Process("lipsync-gateway", [
            gateway_bin, "--listen=127.0.0.1:0",
            "--port_file=" + gw_port_file,
            "--upstream_base_url=http://127.0.0.1:%d" % sim_port,
            "--allow_insecure_upstream", "--plaintext",
            "--watch_poll_initial=100ms",
            "--watch_poll_max=200ms", "--shutdown_grace=5s"
        ], env, os.path.join(workdir, "gateway.log"))
        self.target = "127.0.0.1:%d" % self.gateway.wait_port(gw_port_file)

    def stop(self):
        for p in (self.gateway, self.sim):
            if p:
                p.stop()

    def logs(self):
        return "--- gateway log ---\n%s--- sim log ---\n%s" % (
            self.gateway.tail(), self.sim.tail())


def run(argv, timeout=CLIENT_TIMEOUT_S, stdin=None, env=None):
    print("$ " + shlex.join(a if len(a) < 120 else a[:100] + "..."
                            for a in argv), flush=True)
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, input=stdin, env=env)


def show(result):
    return "exit %d\n--- stdout ---\n%s--- stderr ---\n%s" % (
        result.returncode, result.stdout, result.stderr)


# --- node_modules ------------------------------------------------------------------


def ensure_node_modules(npm):
    """npm ci when node_modules is missing or older than package-lock.json.
    Serialized by a lock: the node and reflection tests may run at once."""
    lock_path = os.path.join(tempfile.gettempdir(),
                             "lipsync-polyglot-npm-ci.lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = os.path.join(NODE_DIR, "node_modules", ".package-lock.json")
        lock_file = os.path.join(NODE_DIR, "package-lock.json")
        if (os.path.exists(marker) and
                os.path.getmtime(marker) >= os.path.getmtime(lock_file)):
            return
        result = run([npm, "ci", "--no-audit", "--no-fund", "--prefix",
                      NODE_DIR], timeout=600)
        if result.returncode != 0:
            raise Failure("npm ci failed:\n" + show(result))


# --- the modes -----------------------------------------------------------------------


def check_workflow_output(checks, result, name):
    out = result.stdout
    checks.expect(result.returncode == 0, "%s example exits 0" % name,
                  show(result))
    checks.expect(re.search(r"^identify: session_id=\d+ faces=[1-9]", out,
                            re.M) is not None,
                  "%s: identify returned a session and faces" % name, out)
    checks.expect(re.search(r"^create: task_id=\S+ status=TASK_STATUS_SUBMITTED",
                            out, re.M) is not None,
                  "%s: create returned a submitted task" % name, out)
    checks.contains(out, "watch: TASK_STATUS_SUCCEED",
                    "%s: the watched task reached succeed" % name)
    checks.expect(re.search(r"^result: https?://\S+\.mp4", out, re.M)
                  is not None, "%s: the result URL was printed" % name, out)
    checks.contains(out, "invalid: INVALID_ARGUMENT",
                    "%s: the invalid create was INVALID_ARGUMENT" % name)
    for field in ("face_choose[0].sound_end_time",
                  "face_choose[0].sound_volume"):
        checks.contains(out, "field violation: %s:" % field,
                        "%s: field violation %s printed" % (name, field))
    trace = re.search(r"^trace: trace_id=([0-9a-f]{32})$", out, re.M)
    checks.expect(trace is not None, "%s example names its trace id" % name,
                  out)
    if trace:
        checks.expect(re.search(r"^create: .* trace_id=%s$" % trace.group(1),
                                out, re.M) is not None,
                      "%s create answered the same trace id" % name, out)
        checks.contains(out, "invalid: trace id: %s" % trace.group(1),
                        "%s error names the trace id" % name)
    checks.contains(out, "reason: INVALID_REQUEST (domain lipsync-gateway)",
                    "%s: ErrorInfo decoded" % name)


def mode_python(checks, stack, args):
    gen_dir = os.path.join(stack.workdir, "pygen")
    result = run([os.path.join(REPO, "clients", "python", "generate.sh"),
                  gen_dir])
    if result.returncode != 0:
        raise Failure("generate.sh failed:\n" + show(result))
    result = run([args.python, os.path.join(REPO, "clients", "python",
                                            "example.py"),
                  "--target", stack.target, "--gen_dir", gen_dir])
    check_workflow_output(checks, result, "python")


def mode_node(checks, stack, args):
    ensure_node_modules(args.npm)
    result = run([args.node, os.path.join(NODE_DIR, "example.js"),
                  "--target=" + stack.target])
    check_workflow_output(checks, result, "node")


def json_documents(text):
    """The JSON values printed one after another (a server stream)."""
    decoder = json.JSONDecoder()
    docs, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def mode_reflection(checks, stack, args):
    ensure_node_modules(args.npm)
    tool = [args.node, os.path.join(NODE_DIR, "reflect_call.js"), "-plaintext"]
    service = "kling.lipsync.v1.LipSyncService"

    result = run(tool + [stack.target, "list"])
    services = result.stdout.split()
    checks.expect(result.returncode == 0, "list exits 0", show(result))
    for name in (service, "grpc.health.v1.Health"):
        checks.expect(name in services, "list includes %s" % name,
                      show(result))

    result = run(tool + [stack.target, "list", service])
    checks.contains(result.stdout, service + ".CreateLipSyncTask",
                    "list SERVICE shows the methods")

    result = run(tool + [stack.target, "describe", service])
    checks.contains(result.stdout, "%s is a service:" % service)
    checks.contains(result.stdout,
                    "rpc WatchLipSyncTask ( .kling.lipsync.v1."
                    "WatchLipSyncTaskRequest ) returns ( stream "
                    ".kling.lipsync.v1.LipSyncTask );")
    result = run(tool + [stack.target, "describe",
                         "kling.lipsync.v1.FaceChoose"])
    checks.contains(result.stdout, "optional int64 sound_start_time = 4;")
    result = run(tool + [stack.target, "describe", "google.rpc.BadRequest"])
    checks.contains(result.stdout, "google.rpc.BadRequest is a message:",
                    "reflection serves google.rpc.BadRequest")

    result = run(tool + ["-d", "{}", stack.target,
                         "grpc.health.v1.Health/Check"])
    checks.contains(result.stdout, '"status": "SERVING"',
                    "Health/Check answers SERVING")

    with open(SEED_JSON) as f:
        seed = f.read()
    result = run(tool + ["-d", seed, stack.target,
                         service + "/CreateLipSyncTask"])
    checks.expect(result.returncode == 0, "the seed JSON call exits 0",
                  show(result))
    task = {}
    try:
        task = json.loads(result.stdout)
    except ValueError:
        pass
    checks.expect(bool(task.get("taskId")), "the seed JSON call returns a "
                  "task_id (taskId in proto3 JSON)", show(result))
    checks.expect(task.get("taskStatus") == "TASK_STATUS_SUBMITTED",
                  "the seed task is submitted", show(result))

    # The same call with the body on stdin (`-d @`), then a watch stream.
    if task.get("taskId"):
        result = run(tool + ["-d", "@", "-max-time", "60", stack.target,
                             service + "/WatchLipSyncTask"],
                     stdin=json.dumps({"task_id": task["taskId"]}))
        updates = []
        try:
            updates = json_documents(result.stdout)
        except ValueError:
            pass
        checks.expect(result.returncode == 0 and updates and
                      updates[-1].get("taskStatus") == "TASK_STATUS_SUCCEED",
                      "watching the seed task by reflection ends in succeed",
                      show(result))

    bad = json.loads(seed)
    bad["face_choose"][0]["sound_end_time"] = 1999
    result = run(tool + ["-d", json.dumps(bad), stack.target,
                         service + "/CreateLipSyncTask"])
    checks.expect(result.returncode == 64 + 3,
                  "an invalid create exits 64 + INVALID_ARGUMENT",
                  show(result))
    checks.contains(result.stderr, "Code: InvalidArgument")
    checks.contains(result.stderr,
                    '"@type": "type.googleapis.com/google.rpc.BadRequest"',
                    "the BadRequest detail is decoded through reflection")
    checks.contains(result.stderr,
                    '"field": "face_choose[0].sound_end_time"',
                    "the error shows face_choose[0].sound_end_time")
    checks.contains(result.stderr, '"reason": "INVALID_REQUEST"',
                    "the ErrorInfo detail is decoded")

    result = run(tool + ["-d", '{"no_such_field": 1}', stack.target,
                         service + "/ListLipSyncTasks"])
    checks.expect(result.returncode != 0 and
                  "no known field named no_such_field" in result.stderr,
                  "unknown JSON fields are refused before the call",
                  show(result))


MODES = {"python": mode_python, "node": mode_node,
         "reflection": mode_reflection}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", required=True,
                        choices=sorted(MODES) + ["npm_ci"])
    parser.add_argument("--gateway", help="lipsync-gateway binary")
    parser.add_argument("--sim", help="kling-sim binary")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--node", default=shutil.which("node") or "node")
    parser.add_argument("--npm", default=shutil.which("npm") or "npm")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (logs)")
    args = parser.parse_args()

    if args.mode == "npm_ci":
        try:
            ensure_node_modules(args.npm)
        except Failure as e:
            print(e)
            return 1
        print("node_modules ready in %s" % NODE_DIR)
        return 0
    if not args.gateway or not args.sim:
        parser.error("--gateway and --sim are required for --mode %s" %
                     args.mode)

    workdir = tempfile.mkdtemp(prefix="lipsync-polyglot-%s-" % args.mode)
    checks = Checks()
    stack = None
    try:
        stack = Stack(args.gateway, args.sim, workdir)
        print("gateway on %s (logs in %s)" % (stack.target, workdir))
        MODES[args.mode](checks, stack, args)
    except (Failure, subprocess.TimeoutExpired) as e:
        checks.expect(False, "%s run completed" % args.mode, str(e))
    finally:
        if stack:
            stack.stop()
            if checks.failed:
                print(stack.logs())
        if not args.keep and not checks.failed:
            shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (checks.passed, checks.failed))
    return 1 if checks.failed or checks.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

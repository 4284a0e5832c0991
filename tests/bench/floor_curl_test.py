#!/usr/bin/env python3
"""lipsync-floor-curl completes every POST it starts.

Runs lipsync-floor-curl against lipsync-bench-upstream (answers at once, keeps
connections alive) on 127.0.0.1 with --concurrency=64 and a fixed number of
requests, --runs times, each run under a time limit. Against such an upstream
a POST on a kept-alive connection is often sent and answered within the one
libcurl action that starts it; a client that then waits in epoll_wait before
reaping it waits for ever. The limit only catches that hang: nothing here
times the client.

Usage: floor_curl_test.py --floor_curl=BIN --bench_upstream=BIN
           [--runs=10] [--requests=5000] [--run_timeout=60]
Exit 0 when every run completed every request; 1 otherwise.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

API_KEY = "floor-curl-test-key"
CONCURRENCY = 64
# The seed's create body (tests/support/seed_requests.h); the bench upstream
# does not parse it.
BODY = (b'{"session_id":"825465778199224380","face_choose":[{"face_id":"-1",'
        b'"audio_id":"825451760499568680","sound_start_time":0,'
        b'"sound_end_time":5000,"sound_insert_time":1000}]}')


def wait_for_port(port_file, upstream, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if upstream.poll() is not None:
            sys.exit(f"lipsync-bench-upstream exited early ({upstream.returncode})")
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    sys.exit("lipsync-bench-upstream wrote no port file in time")


def run_once(args, url, body_file, index):
    """Returns an error text, or None when the run completed every request."""
    command = [args.floor_curl, f"--url={url}", f"--body_file={body_file}",
               f"--api_key={API_KEY}", f"--concurrency={CONCURRENCY}",
               f"--max_calls={args.requests}", "--duration=60s"]
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=args.run_timeout, check=False)
    except subprocess.TimeoutExpired:
        return (f"run {index}: still running after {args.run_timeout} s "
                f"(hung: {args.requests} requests at c={CONCURRENCY})")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return (f"run {index}: exit {done.returncode}\n{done.stdout}"
                f"{done.stderr}")
    result = json.loads(lines[-1])
    want = {"calls": args.requests, "ok": args.requests, "failed": 0}
    got = {key: result.get(key) for key in want}
    if got != want:
        return f"run {index}: {got}, want {want}: {lines[-1]}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor_curl", required=True)
    parser.add_argument("--bench_upstream", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--run_timeout", type=float, default=60.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="floor-curl-test.") as work:
        port_file = os.path.join(work, "upstream.port")
        body_file = os.path.join(work, "body.json")
        with open(body_file, "wb") as f:
            f.write(BODY)
        upstream = subprocess.Popen(
            [args.bench_upstream, "--listen=127.0.0.1:0",
             f"--port_file={port_file}", f"--api_key={API_KEY}",
             "--latency_ms=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = wait_for_port(port_file, upstream)
            url = f"http://127.0.0.1:{port}/v1/videos/advanced-lip-sync"
            failures = []
            for index in range(1, args.runs + 1):
                error = run_once(args, url, body_file, index)
                print(error or f"run {index}: {args.requests} of "
                      f"{args.requests} requests completed", flush=True)
                if error:
                    failures.append(error)
                    break  # one hang is the finding; the rest would wait too
        finally:
            upstream.send_signal(signal.SIGTERM)
            try:
                upstream.wait(timeout=10)
            except subprocess.TimeoutExpired:
                upstream.kill()
                upstream.wait()
    if failures:
        print(f"FAIL: {failures[0].split(':')[0]} of {args.runs}", file=sys.stderr)
        return 1
    print(f"PASS: {args.runs} runs of {args.requests} requests at "
          f"c={CONCURRENCY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

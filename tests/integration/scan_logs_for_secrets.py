#!/usr/bin/env python3
"""Fails if any gateway log of the integration run contains a secret.

Usage: scan_logs_for_secrets.py LOG_DIR SECRET...

The integration suite runs with TMPDIR=LOG_DIR, so every gateway it started
left its log as LOG_DIR/*/gateway.log. Each secret the tests gave the
gateway (the upstream API key, caller tokens, a JWT secret key, a wrong
token a caller presented) must appear in none of them, whatever the call,
its outcome or the log level (the harness runs at debug).
"""
import pathlib
import sys


def main():
    log_dir = pathlib.Path(sys.argv[1])
    secrets = sys.argv[2:]
    logs = sorted(log_dir.glob("*/gateway.log"))
    if not logs:
        print(f"no gateway logs under {log_dir}: did the integration run?")
        return 1
    leaks = []
    for log in logs:
        text = log.read_text(errors="replace")
        for secret in secrets:
            if secret in text:
                leaks.append(f"{log}: contains the secret {secret!r}")
    for leak in leaks:
        print(leak)
    total = sum(log.stat().st_size for log in logs)
    print(f"scanned {len(logs)} gateway logs ({total} bytes) for "
          f"{len(secrets)} secrets: {len(leaks)} leaks")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())

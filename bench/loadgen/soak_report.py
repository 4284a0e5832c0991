#!/usr/bin/python3
"""The table and the verdicts of bench/soak.sh, from its work directory.

Reads the load generator's JSON lines (warmup.json, soak.json, tail.json),
the gateway samples (start.sample, end.sample, samples: "unix_s rss_kb hwm_kb
fds threads"), the fault log, the health check and the sim's stats and
request record. Prints the table and one PASS/FAIL line per verdict; exits 1
when any verdict fails. Stdlib only (Debian's /usr/bin/python3).
"""
import argparse
import json
import os
import sys

METHODS = ["CreateLipSyncTask", "GetLipSyncTask", "ListLipSyncTasks",
           "IdentifyFace", "WatchLipSyncTask"]

# What each injected fault may turn a call into (docs/errors.md), as
# "CODE/REASON" ("CODE" alone: no ErrorInfo, e.g. a deadline that expired at
# the client). The soak phase cannot tie one call to one fault (they run
# concurrently), so each method is allowed the union over the faults that
# can reach it; anything else is unexpected.
UNARY_EXPECTED = {
    # 5000/5001/5002 (create, identify: never retried; reads: after the
    # retries) and the breaker the 5xx burst opens.
    "UNAVAILABLE/UPSTREAM_INTERNAL_ERROR",
    "UNAVAILABLE/UPSTREAM_UNAVAILABLE",
    "UNAVAILABLE/UPSTREAM_TIMEOUT",
    "UNAVAILABLE/UPSTREAM_CIRCUIT_OPEN",
    # reset mid-body (reads are retried; creates never)
    "UNAVAILABLE/UPSTREAM_UNREACHABLE",
    # 429 + Retry-After (1302), code 1303 inside an HTTP 200 (creates)
    "RESOURCE_EXHAUSTED/UPSTREAM_RATE_LIMITED",
    "RESOURCE_EXHAUSTED/UPSTREAM_CONCURRENCY_LIMIT",
    # malformed, truncated, empty body, {} answers
    "INTERNAL/UPSTREAM_BAD_ANSWER",
    # the 16 MB answer (the gateway's cap is 8 MiB)
    "INTERNAL/UPSTREAM_ANSWER_TOO_LARGE",
    # hang, slow drip, +1.5 s latency on top of a retry: past the 5 s deadline
    "DEADLINE_EXCEEDED",
    "DEADLINE_EXCEEDED/UPSTREAM_DEADLINE_EXCEEDED",
}
EXPECTED = {m: set(UNARY_EXPECTED) for m in METHODS}
# A watch ends with an error only when its poller meets a permanent one (a
# bad answer); transient poll errors are retried, slow ones may outlast the
# stream's 30 s deadline.
EXPECTED["WatchLipSyncTask"] = {
    "INTERNAL/UPSTREAM_BAD_ANSWER", "INTERNAL/UPSTREAM_ANSWER_TOO_LARGE",
    "DEADLINE_EXCEEDED", "UNAVAILABLE/UPSTREAM_CIRCUIT_OPEN",
}

# RSS growth after the warm-up allowed as noise (see bench/README.md, Soak).
RSS_NOISE_KB_MIN = 16 * 1024
RSS_NOISE_FRACTION = 0.10
# fds other than TCP connections (files, pipes, eventfds, epoll, timers):
# back to the baseline within this. Connections are judged apart: callers'
# are gone once the load generator exits; upstream ones are a pool, bounded
# by the gateway's max_idle_connections (256) and closed by the peer's
# keep-alive timeout, so their count at any moment depends on timing.
FD_SLACK = 4
UPSTREAM_POOL_MAX = 256
THREAD_SLACK_END = 2
THREAD_SLACK_PEAK = 32


def load_json(path, default):
    try:
        with open(path) as f:
            text = f.read().strip()
        if not text:
            return default
        try:
            return json.loads(text)
        except ValueError:  # JSON lines: the last one
            return json.loads(text.splitlines()[-1])
    except (OSError, ValueError):
        return default


SAMPLE_FIELDS = ("t", "rss", "hwm", "fds", "threads", "up", "down", "other")


def parse_sample(line):
    parts = line.split()
    if len(parts) < len(SAMPLE_FIELDS):
        return None
    try:
        return dict(zip(SAMPLE_FIELDS, (int(x) for x in parts)))
    except ValueError:
        return None


def read_sample(path):
    try:
        with open(path) as f:
            return parse_sample(f.read())
    except OSError:
        return None


def read_samples(path):
    try:
        with open(path) as f:
            return [s for s in (parse_sample(line) for line in f) if s]
    except OSError:
        return []


def mib(kb):
    return f"{kb / 1024:.1f}"


def phase_counts(line):
    """{method: {code: n}} and {method: {code/reason: n}} of one phase."""
    codes, reasons = {}, {}
    for key, value in line.items():
        if key.startswith("codes."):
            codes[key[len("codes."):]] = value
        elif key.startswith("reasons."):
            reasons[key[len("reasons."):]] = value
    return codes, reasons


def unexpected_of(codes, reasons, expected):
    """Calls whose status is not allowed, as {method: {what: n}}."""
    out = {}
    for method, by_code in codes.items():
        allowed = expected.get(method, set()) if expected is not None else set()
        bad = {}
        for code, n in by_code.items():
            if code == "OK":
                continue
            if code not in ("UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL",
                            "DEADLINE_EXCEEDED", "NOT_FOUND", "UNKNOWN",
                            "CANCELLED", "INVALID_ARGUMENT",
                            "FAILED_PRECONDITION", "ALREADY_EXISTS",
                            "PERMISSION_DENIED", "UNIMPLEMENTED", "ABORTED",
                            "OUT_OF_RANGE", "DATA_LOSS", "UNAUTHENTICATED"):
                bad[code] = bad.get(code, 0) + n  # e.g. OK_WITHOUT_TERMINAL
        for what, n in reasons.get(method, {}).items():
            if what not in allowed:
                bad[what] = bad.get(what, 0) + n
        if bad:
            out[method] = bad
    return out


def duplicate_creates(records):
    """Create POSTs, distinct keys, POSTs beyond one per key, keyless POSTs."""
    posts, per_key, keyless = 0, {}, 0
    for r in records:
        if r.get("method") != "POST" or r.get("path") != \
                "/v1/videos/advanced-lip-sync":
            continue
        posts += 1
        key = ""
        try:
            key = json.loads(r.get("body") or "{}").get("external_task_id", "")
        except ValueError:
            pass
        if key:
            per_key[key] = per_key.get(key, 0) + 1
        else:
            keyless += 1
    dup_keys = {k: n for k, n in per_key.items() if n > 1}
    return {"create_posts": posts, "distinct_keys": len(per_key),
            "duplicate_posts": posts - keyless - len(per_key),
            "keys_posted_twice": len(dup_keys),
            "duplicate_examples": sorted(dup_keys)[:5],
            "keyless_posts": keyless}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--minutes", type=int, default=0)
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--loadavg", default="")
    ap.add_argument("--markdown", default="")
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    w = a.work

    phases = {p: load_json(os.path.join(w, p + ".json"), {})
              for p in ("warmup", "prime", "soak", "tail")}
    idle0 = read_sample(os.path.join(w, "idle0.sample"))
    start = read_sample(os.path.join(w, "start.sample"))
    end = read_sample(os.path.join(w, "end.sample"))
    samples = read_samples(os.path.join(w, "samples"))
    health = load_json(os.path.join(w, "health.json"), {})
    stats = load_json(os.path.join(w, "sim-stats.json"), {})
    records = load_json(os.path.join(w, "sim-requests.json"), [])
    try:
        with open(os.path.join(w, "faults.log")) as f:
            faults = [line.split(" ", 1)[1].strip() for line in f if " " in line]
    except OSError:
        faults = []
    try:
        with open(os.path.join(w, "breaker-lines")) as f:
            breaker_lines = int(f.read().strip() or 0)
    except (OSError, ValueError):
        breaker_lines = 0
    try:
        with open(os.path.join(w, "gw-alive")) as f:
            alive = f.read().strip() == "alive"
    except OSError:
        alive = False

    out = []
    verdicts = []

    def verdict(ok, what):
        verdicts.append((ok, what))

    # -------------------------------------------------------------- calls --
    soak_codes, soak_reasons = phase_counts(phases["soak"])
    columns = ["OK", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL",
               "DEADLINE_EXCEEDED"]
    out.append(f"Soak: {a.minutes} min at {a.rate} calls/s with injected "
               f"faults (after a 30 s warm-up and the allocator priming; "
               f"then a 20 s fault-free tail). "
               f"Load average start/end: {a.loadavg}.")
    out.append("")
    out.append("Calls by method and gRPC status (soak phase):")
    out.append("")
    out.append("| method | calls | " + " | ".join(columns) + " | other |")
    out.append("| --- | ---: | " + " | ".join("---:" for _ in columns) +
               " | --- |")
    totals = {c: 0 for c in columns}
    total_calls = 0
    for method in METHODS + sorted(set(soak_codes) - set(METHODS)):
        by_code = soak_codes.get(method, {})
        n = sum(by_code.values())
        total_calls += n
        other = ", ".join(f"{k} {v}" for k, v in sorted(by_code.items())
                          if k not in columns)
        cells = []
        for c in columns:
            totals[c] += by_code.get(c, 0)
            cells.append(str(by_code.get(c, 0)))
        out.append(f"| {method} | {n} | " + " | ".join(cells) +
                   f" | {other or '-'} |")
    out.append(f"| **all** | {total_calls} | " +
               " | ".join(str(totals[c]) for c in columns) + " | |")
    out.append("")
    out.append("Failed calls by status/reason (ErrorInfo.reason), soak phase:")
    out.append("")
    for method in METHODS:
        reasons = soak_reasons.get(method, {})
        if reasons:
            out.append(f"- {method}: " + ", ".join(
                f"{k} {v}" for k, v in sorted(reasons.items(),
                                              key=lambda kv: -kv[1])))
    out.append("")
    for p, what in (("warmup", "no faults"),
                    ("prime", "16 MB answers to lists"),
                    ("tail", "no faults")):
        codes, reasons = phase_counts(phases[p])
        n = sum(sum(c.values()) for c in codes.values())
        ok = sum(c.get("OK", 0) for c in codes.values())
        failed = ", ".join(f"{k} {v}" for r in reasons.values()
                           for k, v in sorted(r.items()))
        out.append(f"- {p} ({what}): {n} calls, {ok} OK"
                   + (f"; {failed}" if failed else ""))
    s = phases["soak"]
    out.append(f"- soak: {s.get('keys_sent', 0)} creates with a fresh key, "
               f"{s.get('replays', 0)} replays of a key, "
               f"{s.get('skipped', 0)} calls skipped (max in flight)")
    out.append(f"- faults injected: {len(faults)} ("
               f"{len(set(f.rsplit(' ', 1)[0] for f in faults))} kinds); "
               f"breaker log lines: {breaker_lines}")
    out.append("")

    # ----------------------------------------------------------- resources --
    peak = {k: max([x[k] for x in samples] or [0])
            for k in ("rss", "fds", "threads", "up", "down", "other")}
    out.append("Gateway process (start: after the warm-up, idle; end: after "
               "the tail, idle; peak: sampled every 5 s under load):")
    out.append("")
    out.append("| | start | peak | end | change |")
    out.append("| --- | ---: | ---: | ---: | ---: |")
    if start and end:
        out.append(f"| RSS (VmRSS), MiB | {mib(start['rss'])} | "
                   f"{mib(max(peak['rss'], end['rss']))} | {mib(end['rss'])} | "
                   f"{(end['rss'] - start['rss']) / 1024:+.1f} |")
        out.append(f"| VmHWM, MiB | {mib(start['hwm'])} | | "
                   f"{mib(end['hwm'])} | "
                   f"{(end['hwm'] - start['hwm']) / 1024:+.1f} |")
        for key, name in (("fds", "open fds, all"),
                          ("other", "fds other than sockets of connections "
                                    "(files, pipes, eventfds, epoll)"),
                          ("up", "upstream connections (libcurl pool)"),
                          ("down", "gRPC listener + caller connections")):
            out.append(f"| {name} | {start[key]} | "
                       f"{max(peak[key], end[key])} | {end[key]} | "
                       f"{end[key] - start[key]:+d} |")
        out.append(f"| threads | {start['threads']} | "
                   f"{max(peak['threads'], end['threads'])} | "
                   f"{end['threads']} | "
                   f"{end['threads'] - start['threads']:+d} |")
    if samples:
        half = len(samples) // 2
        first = max(x["rss"] for x in samples[:max(half, 1)])
        second = max(x["rss"] for x in samples[half:])
        out.append("")
        out.append(f"RSS under load: highest sample in the first half "
                   f"{mib(first)} MiB, in the second half {mib(second)} MiB "
                   f"({len(samples)} samples).")
    out.append("")

    # ---------------------------------------------------------- upstream --
    dup = duplicate_creates(records if isinstance(records, list) else [])
    recorded = stats.get("recorded", -1)
    requests_total = stats.get("requests_total", -2)
    complete = recorded == requests_total
    by_path = stats.get("by_path", {})
    create_total = by_path.get("POST /v1/videos/advanced-lip-sync", -1)
    out.append("Upstream (kling-sim):")
    out.append("")
    out.append("| create POSTs | distinct idempotency keys | duplicate POSTs "
               "| keyless POSTs | record complete |")
    out.append("| ---: | ---: | ---: | ---: | --- |")
    out.append(f"| {dup['create_posts']} | {dup['distinct_keys']} | "
               f"{dup['duplicate_posts']} | {dup['keyless_posts']} | "
               f"{'yes' if complete else 'NO'} ({recorded} of "
               f"{requests_total} requests) |")
    out.append("")
    keys_sent = sum(phases[p].get("keys_sent", 0) for p in phases)
    out.append(f"Keys sent by the load generator (all phases): {keys_sent}; "
               f"sim counter of create POSTs: {create_total}; tasks at the "
               f"sim: {stats.get('tasks', '?')}.")
    out.append("")

    # ------------------------------------------------------------ verdicts --
    unexpected = unexpected_of(soak_codes, soak_reasons, EXPECTED)
    for p in ("warmup", "tail"):
        codes, reasons = phase_counts(phases[p])
        # No faults: nothing but OK is expected.
        for method, by_code in codes.items():
            for code, n in by_code.items():
                if code != "OK":
                    unexpected.setdefault(f"{method} ({p})", {})[code] = n
    # Priming: the 16 MB answers are cut off, nothing else.
    codes, reasons = phase_counts(phases["prime"])
    for method, bad in unexpected_of(
            codes, reasons,
            {m: {"INTERNAL/UPSTREAM_ANSWER_TOO_LARGE"} for m in METHODS}).items():
        unexpected[f"{method} (prime)"] = bad
    verdict(not unexpected and all(phases[p] for p in phases),
            "no unexpected statuses (soak: the per-fault set; warm-up and "
            "tail: OK only)" + ("" if not unexpected else ": " + json.dumps(
                unexpected, sort_keys=True) + f" (load average {a.loadavg}: "
                "DEADLINE_EXCEEDED without faults is what a starved machine "
                "looks like)"))
    bad = sum(phases[p].get("bad_answer_total", 0) for p in phases)
    verdict(bad == 0, f"no wrong OK answers ({bad}; replays returned the "
                      f"same task, keys echoed)" +
            (f": {phases['soak'].get('first_bad_answer', '')}" if bad else ""))
    if start and end:
        growth = end["rss"] - start["rss"]
        limit = max(RSS_NOISE_KB_MIN, int(start["rss"] * RSS_NOISE_FRACTION))
        per_call = growth * 1024 / max(total_calls, 1)
        verdict(growth <= limit,
                f"RSS growth after warm-up {growth / 1024:+.1f} MiB <= "
                f"{limit / 1024:.1f} MiB (max(16 MiB, 10 %)); "
                f"{per_call:+.0f} bytes per soak call")
        listeners = idle0["down"] if idle0 else 1
        verdict(abs(end["other"] - start["other"]) <= FD_SLACK and
                end["down"] <= listeners and
                max(end["up"], peak["up"]) <= UPSTREAM_POOL_MAX,
                f"fds back to baseline: non-connection fds {start['other']} "
                f"-> {end['other']} (+-{FD_SLACK}); caller sockets at the "
                f"end {end['down']} (<= {listeners}, the listener); upstream "
                f"pool peak {peak['up']} (<= {UPSTREAM_POOL_MAX}); all fds "
                f"{start['fds']} -> {end['fds']}")
        verdict(end["threads"] <= start["threads"] + THREAD_SLACK_END and
                peak["threads"] <= start["threads"] + THREAD_SLACK_PEAK,
                f"threads bounded: {start['threads']} -> peak "
                f"{peak['threads']} -> {end['threads']} (end <= start + "
                f"{THREAD_SLACK_END}, peak <= start + {THREAD_SLACK_PEAK})")
    else:
        verdict(False, "gateway samples missing")
    verdict(dup["duplicate_posts"] == 0 and dup["keyless_posts"] == 0 and
            complete and dup["create_posts"] > 0,
            f"no duplicate creates: {dup['create_posts']} POSTs, "
            f"{dup['distinct_keys']} keys, {dup['duplicate_posts']} "
            f"duplicates" + (f" {dup['duplicate_examples']}"
                             if dup["duplicate_posts"] else "") +
            ("" if complete else " (sim record INCOMPLETE)"))
    kinds_used = len(set(f.rsplit(" ", 1)[0] for f in faults
                         if f.endswith("[]")))
    verdict(kinds_used >= 10,
            f"faults were injected and used up: {kinds_used} kinds")
    verdict(alive and health.get("status") == "SERVING",
            f"gateway still serving at the end: health "
            f"{health.get('status') or health.get('code') or 'no answer'}")

    out.append("Verdicts:")
    out.append("")
    for ok, what in verdicts:
        out.append(f"- {'PASS' if ok else 'FAIL'}: {what}")
    text = "\n".join(out)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"phases": phases, "start": start, "end": end,
                       "samples": samples, "faults": faults,
                       "upstream": dup, "sim_stats": stats,
                       "health": health,
                       "verdicts": [{"pass": ok, "what": what}
                                    for ok, what in verdicts]}, f, indent=1)
    return 0 if all(ok for ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

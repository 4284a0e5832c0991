#!/usr/bin/python3
"""Turns bench/run.sh's JSON lines into the results table (stdlib only).

usage: bench_table.py RESULTS.jsonl [--markdown=FILE]

Prints the table (scenario, metric, gateway, limit, ratio, target, result) and
the machine it ran on. Exit status: 0 every call succeeded and every target
passed; 1 a call failed or a run is missing; 3 a target failed.
"""
import json
import sys

MB = 1e6  # targets say "MB": decimal megabytes


def load(path):
    runs, notes, machine = {}, {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if rec.get("note"):
                if "machine" in rec:
                    machine.update(rec["machine"])
                elif "loadavg_end" in rec:
                    machine["loadavg_end"] = rec["loadavg_end"]
                else:
                    notes.setdefault(rec["scenario"], {}).update(rec)
                continue
            runs[(rec.get("scenario"), rec.get("phase"), rec.get("side"))] = rec
    return runs, notes, machine


class Table:
    def __init__(self):
        self.rows = []
        self.notes = []  # lines printed under the table
        self.broken = False  # a call failed or a run is missing
        self.failed_target = False

    def add(self, scenario, metric, gateway, limit="", ratio="", target="",
            ok=None):
        result = "info" if ok is None else ("PASS" if ok else "FAIL")
        if ok is False:
            self.failed_target = True
        self.rows.append([scenario, metric, gateway, limit, ratio, target, result])

    def text(self):
        head = ["scenario", "metric", "gateway", "limit", "ratio", "target",
                "result"]
        widths = [max(len(str(r[i])) for r in self.rows + [head])
                  for i in range(len(head))]
        out = []
        for i, r in enumerate([head] + self.rows):
            out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
            if i == 0:
                out.append("  ".join("-" * w for w in widths))
        return "\n".join(out)

    def markdown(self):
        head = ["scenario", "metric", "gateway", "limit", "ratio", "target",
                "result"]
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join(["---"] * len(head)) + "|"]
        for r in self.rows:
            out.append("| " + " | ".join(str(c) for c in r) + " |")
        return "\n".join(out)


def cpu_s(run, key):
    return run.get(key, 0) / run.get("clk_tck", 100)


def calls(run):
    return run.get("calls", run.get("streams", 0))


def failures(run):
    """Failed calls of one run, or None when the run is sound."""
    if run is None:
        return "missing"
    if run.get("tool_error"):
        return "no result"
    if run.get("rc", 0) != 0 and run.get("failed", 0) == 0:
        return f"exit {run['rc']}"
    if run.get("failed", 0) != 0:
        codes = run.get("codes")
        detail = f" {codes}" if codes else ""
        return f"{run['failed']} failed{detail} {run.get('first_error', '')}".strip()
    if calls(run) == 0:
        return "no calls"
    return None


def check_calls(t, scenario, runs, keys):
    """One row per scenario: every call of every run (both sides) succeeded."""
    gw_total = gw_ok = d_total = f_total = 0
    problems = []
    for key in keys:
        run = runs.get(key)
        problem = failures(run)
        if problem:
            problems.append(f"{key[1]}/{key[2]}: {problem}")
        if run is None:
            continue
        if key[2] == "gateway":
            gw_total += calls(run)
            gw_ok += run.get("ok", 0)
        elif key[2] == "floor":
            f_total += calls(run)
        else:
            d_total += calls(run)
    if problems:
        t.broken = True
    others = [f"{name} {n}" for name, n in (("direct", d_total),
                                            ("floor", f_total)) if n]
    t.add(scenario, "calls that succeeded (every status checked)",
          f"{gw_ok}/{gw_total}", ", ".join(others + ["0 errors"]) if others else "",
          "", "all", not problems)
    for p in problems:
        t.rows.append([scenario, "  ! " + p, "", "", "", "", "FAIL"])


def other_cores(run):
    """Cores used by processes other than the benchmark's during one run."""
    if not run or "machine_busy_ticks" not in run or not run.get("wall_ms"):
        return None
    ours = (run.get("gw_cpu_ticks", 0) + run.get("floor_cpu_ticks", 0) +
            run.get("sim_cpu_ticks", 0) + run.get("tool_cpu_ticks", 0))
    busy = max(0, run["machine_busy_ticks"] - ours) / run.get("clk_tck", 100)
    return busy / (run["wall_ms"] / 1000)


def other_load(t, scenario, runs, keys):
    """One row: how much of the 2 cores other work took, per run."""
    parts = []
    for key in keys:
        cores = other_cores(runs.get(key))
        if cores is not None:
            parts.append(f"{key[1]}/{key[2][0]} {cores:.2f}")
    if parts:
        t.notes.append(f"{scenario}: " + ", ".join(parts))


def fmt(v, digits=2):
    return f"{v:,.{digits}f}"


def s1(t, runs, notes):
    keys = [("S1", p, s) for p in ("tput", "c1", "c16")
            for s in ("direct", "gateway")]
    if ("S1", "tput-gwheaders", "direct") in runs:
        keys.append(("S1", "tput-gwheaders", "direct"))
    # Result files without floor phases have none: no rows, not broken.
    keys += [k for k in (("S1", "floor-grpc", "floor"),
                         ("S1", "floor-curl", "floor"),
                         ("S1", "floor-proxy", "floor"),
                         ("S1", "floor-proxy-c1", "floor"),
                         ("S1", "c1-evup", "direct"),
                         ("S1", "c1-evup", "gateway")) if k in runs]
    if not any(k in runs for k in keys):
        return
    check_calls(t, "S1", runs, keys)
    other_load(t, "S1", runs, keys)
    d, g = runs.get(keys[0]), runs.get(keys[1])
    if d and g and d.get("rps"):
        c = g.get("concurrency")
        ratio = g["rps"] / d["rps"]
        t.add("S1", f"calls/s, c={c}", fmt(g["rps"], 0),
              f"direct {fmt(d['rps'], 0)}", fmt(ratio), ">= 0.50", ratio >= 0.5)
        gh = runs.get(("S1", "tput-gwheaders", "direct"))
        if gh and gh.get("rps"):
            t.add("S1", "  direct with the gateway's Accept-Encoding: "
                  f"{gh.get('accept_encoding')} (stand-in compresses answers)",
                  "", f"direct {fmt(gh['rps'], 0)}",
                  fmt(g["rps"] / gh["rps"]), "", None)
        us = cpu_s(g, "gw_cpu_ticks") * 1e6 / max(1, calls(g))
        t.add("S1", f"gateway CPU per call, c={c} (µs)", fmt(us, 1), "", "",
              "<= 50", us <= 50)
        page_faults_row(t, "S1", g)
        t.add("S1", f"stand-in CPU per call, c={c} (µs)",
              fmt(cpu_s(g, "sim_cpu_ticks") * 1e6 / max(1, calls(g)), 1),
              f"direct {fmt(cpu_s(d, 'sim_cpu_ticks') * 1e6 / max(1, calls(d)), 1)}",
              "", "", None)
        t.add("S1", f"load tool CPU per call, c={c} (µs)",
              fmt(cpu_s(g, "tool_cpu_ticks") * 1e6 / max(1, calls(g)), 1),
              f"wrk {fmt(cpu_s(d, 'tool_cpu_ticks') * 1e6 / max(1, calls(d)), 1)}",
              "", "", None)
    floor_rows(t, "S1", runs, g)
    proxy_rows(t, runs, d, g)
    for phase, graded in (("c1", True), ("c16", False), ("c1-evup", False)):
        d, g = runs.get(("S1", phase, "direct")), runs.get(("S1", phase, "gateway"))
        if not (d and g):
            continue
        c = g.get("concurrency")
        added = g["p50_ms"] - d["p50_ms"]
        where = ", event-driven upstream" if phase.endswith("evup") else ""
        t.add("S1", f"added p50, c={c}{where} (ms)", fmt(added, 3),
              f"direct p50 {fmt(d['p50_ms'], 3)}", "",
              "<= 0.30" if graded else "", (added <= 0.3) if graded else None)
        t.add("S1", f"added p99, c={c}{where} (ms)",
              fmt(g["p99_ms"] - d["p99_ms"], 3),
              f"direct p99 {fmt(d['p99_ms'], 3)}", "", "", None)
        if graded or where:
            us = cpu_s(g, "gw_cpu_ticks") * 1e6 / max(1, calls(g))
            t.add("S1", f"gateway CPU per call, c={c}{where} (µs)", fmt(us, 1), "",
                  "", "", None)
        p = runs.get(("S1", f"floor-proxy-{phase}", "floor"))
        if graded and p and not failures(p):
            # The same for the thinnest proxy (bench/run.sh floor_proxy).
            t.add("S1", f"  floor: thinnest proxy, added p50, c={c} (ms)",
                  fmt(p["p50_ms"] - d["p50_ms"], 3),
                  f"gateway {fmt(added, 3)}", "", "", None)
            t.add("S1", f"  floor: thinnest proxy, CPU per call, c={c} (µs)",
                  fmt(floor_cost(p, 1e6), 1), f"gateway {fmt(us, 1)}", "", "",
                  None)


def floor_rows(t, scenario, runs, g, unit="µs"):
    """Info rows: what each library alone costs per call at the scenario's
    load, and the gateway's CPU per call against their sum (the floor of the
    stack). `unit` is "µs" (S1) or "ms" (S2, per 5 MB call)."""
    scale, digits = (1e6, 1) if unit == "µs" else (1e3, 2)
    per = "per call" if unit == "µs" else "per 5 MB call"
    fg = runs.get((scenario, "floor-grpc", "floor"))
    fc = runs.get((scenario, "floor-curl", "floor"))
    grpc_cost, curl_cost = floor_cost(fg, scale), floor_cost(fc, scale)
    if grpc_cost is not None:
        t.add(scenario, f"floor: bare gRPC callback server, CPU {per} "
              f"c={fg.get('concurrency')} ({unit})", fmt(grpc_cost, digits),
              f"at {fmt(fg.get('rps', 0), 0)} calls/s", "", "", None)
    if curl_cost is not None:
        t.add(scenario, f"floor: bare libcurl-multi client, CPU {per} "
              f"c={fc.get('concurrency')} ({unit})", fmt(curl_cost, digits),
              f"at {fmt(fc.get('rps', 0), 0)} calls/s, "
              f"{fc.get('connects', '?')} connections opened", "", "", None)
        # The client's own count covers its measured run alone (run.sh's
        # sim_cpu_ticks include its warm-up); older lines have only that.
        key = ("stand_in_cpu_ticks" if fc.get("stand_in_cpu_ticks")
               else "sim_cpu_ticks")
        t.add(scenario, f"  stand-in CPU {per} under that client ({unit})",
              fmt(cpu_s(fc, key) * scale / calls(fc), digits), "",
              "", "", None)
    floor_sum_row(t, scenario, grpc_cost, curl_cost, g, scale, digits,
                  f"floor: sum ({unit})")


def proxy_rows(t, runs, d, g):
    """Info rows: the thinnest gateway we could build on the stack (bench/run.sh
    floor_proxy) at S1's load: its calls/s against the same direct limit as
    the gateway's, and its CPU per call against the gateway's."""
    p = runs.get(("S1", "floor-proxy", "floor"))
    cost = floor_cost(p, 1e6)
    if cost is None or not d or not d.get("rps"):
        return
    c = p.get("concurrency")
    t.add("S1", f"floor: thinnest proxy (gRPC server + libcurl multi, one "
          f"process), calls/s c={c}", fmt(p["rps"], 0),
          f"direct {fmt(d['rps'], 0)}", fmt(p["rps"] / d["rps"]), "", None)
    gw, ratio = "", ""
    if g and calls(g):
        gw_cost = per_call_us(g, "gw_cpu_ticks")
        gw, ratio = f"gateway {fmt(gw_cost, 1)}", fmt(gw_cost / cost)
    t.add("S1", f"floor: thinnest proxy, CPU per call c={c} (µs)",
          fmt(cost, 1), gw, ratio, "", None)
    t.add("S1", "  stand-in CPU per call under that proxy (µs)",
          fmt(per_call_us(p, "sim_cpu_ticks"), 1), "", "", "", None)


def floor_cost(run, scale):
    """CPU per call of a floor run (None when missing or failed): the floor
    server's ticks (bare server, thinnest proxy), or the client's own
    getrusage (older lines: its ticks seen by run.sh)."""
    if not run or not calls(run) or failures(run):
        return None
    if "floor_cpu_ticks" in run:
        return cpu_s(run, "floor_cpu_ticks") * scale / calls(run)
    own = run["cpu_s"] if "cpu_s" in run else cpu_s(run, "tool_cpu_ticks")
    return own * scale / calls(run)


def floor_sum_row(t, scenario, grpc_cost, curl_cost, g, scale, digits, label):
    """The floor of the stack (server + client alone) against the gateway's
    CPU per call in run `g`."""
    if grpc_cost is None or curl_cost is None:
        return
    total = grpc_cost + curl_cost
    limit, ratio = "", ""
    if g and calls(g):
        gw_cost = cpu_s(g, "gw_cpu_ticks") * scale / calls(g)
        limit = f"gateway {fmt(gw_cost, digits)}"
        ratio = fmt(gw_cost / total) if total else ""
    t.add(scenario, label, fmt(total, digits), limit, ratio, "", None)


def s2(t, runs, notes):
    keys = [("S2", p, s) for p in ("tput", "c1") for s in ("direct", "gateway")]
    keys += [k for k in (("S2", "floor-grpc", "floor"),
                         ("S2", "floor-curl", "floor"),
                         ("S2", "tput-evup", "direct"),
                         ("S2", "tput-evup", "gateway"),
                         ("S2", "floor-curl-evup", "floor")) if k in runs]
    if not any(k in runs for k in keys):
        return
    check_calls(t, "S2", runs, keys)
    other_load(t, "S2", runs, keys)
    d, g = runs.get(keys[0]), runs.get(keys[1])
    audio = (g or {}).get("audio_bytes", 0)
    if d and g and d.get("rps"):
        c = g.get("concurrency")
        ratio = g["rps"] / d["rps"]
        t.add("S2", f"calls/s, c={c}", fmt(g["rps"], 1),
              f"direct {fmt(d['rps'], 1)}", fmt(ratio), "", None)
        t.add("S2", f"audio MB/s, c={c}", fmt(g["rps"] * audio / MB, 1),
              f"direct {fmt(d['rps'] * audio / MB, 1)}", fmt(ratio), "", None)
        ms = cpu_s(g, "gw_cpu_ticks") * 1e3 / max(1, calls(g))
        t.add("S2", f"gateway CPU per 5 MB call, c={c} (ms)", fmt(ms, 2), "", "",
              "<= 8", ms <= 8)
        page_faults_row(t, "S2", g)
    floor_rows(t, "S2", runs, g, unit="ms")
    de, ge = (runs.get(("S2", "tput-evup", "direct")),
              runs.get(("S2", "tput-evup", "gateway")))
    if de and ge and de.get("rps"):
        # Info rows: a stand-in that never parses the body (bench/run.sh).
        c = ge.get("concurrency")
        t.add("S2", f"calls/s, c={c}, event-driven upstream",
              fmt(ge["rps"], 1), f"direct {fmt(de['rps'], 1)}",
              fmt(ge["rps"] / de["rps"]), "", None)
        ms = cpu_s(ge, "gw_cpu_ticks") * 1e3 / max(1, calls(ge))
        t.add("S2", f"gateway CPU per 5 MB call, c={c}, event-driven "
              "upstream (ms)", fmt(ms, 2), "", "", "", None)
        page_faults_row(t, "S2", ge)
        fce = runs.get(("S2", "floor-curl-evup", "floor"))
        curl_ms = floor_cost(fce, 1e3)
        if curl_ms is not None:
            t.add("S2", f"floor: bare libcurl-multi client, CPU per 5 MB "
                  f"call c={fce.get('concurrency')}, event-driven upstream "
                  "(ms)", fmt(curl_ms, 2),
                  f"at {fmt(fce.get('rps', 0), 0)} calls/s", "", "", None)
        floor_sum_row(t, "S2", floor_cost(runs.get(("S2", "floor-grpc",
                                                    "floor")), 1e3),
                      curl_ms, ge, 1e3, 2,
                      "floor: sum, event-driven upstream (ms)")
    d1, g1 = runs.get(("S2", "c1", "direct")), runs.get(("S2", "c1", "gateway"))
    if d1 and g1:
        added = g1["p50_ms"] - d1["p50_ms"]
        ratio = added / d1["p50_ms"] if d1["p50_ms"] else float("inf")
        t.add("S2", "added p50, c=1 (ms)", fmt(added, 2),
              f"direct p50 {fmt(d1['p50_ms'], 2)}", fmt(ratio),
              "<= 1.5 x direct", ratio <= 1.5)
        ms = cpu_s(g1, "gw_cpu_ticks") * 1e3 / max(1, calls(g1))
        t.add("S2", "gateway CPU per 5 MB call, c=1 (ms)", fmt(ms,2), "", "", "",
              None)
    if g:
        # The gateway was started for S2 alone: VmHWM is S2's peak.
        last = g1 or g
        peak = max(last.get("gw_hwm_kb", 0), g.get("gw_hwm_kb", 0)) * 1024 / MB
        in_flight = g.get("concurrency", 0) * audio
        limit = 64 + 3 * in_flight / MB
        t.add("S2", f"peak RSS (VmHWM), {g.get('concurrency')} x "
              f"{fmt(audio / MB, 1)} MB in flight (MB)", fmt(peak, 1),
              f"64 + 3 x {fmt(in_flight / MB, 0)} = {fmt(limit, 0)}",
              fmt(peak / limit), "<= limit", peak <= limit)


def page_faults_row(t, scenario, g):
    """Info row: the gateway's page faults per call in the measured phase
    (first touches of memory; 14-18 µs each on the bench VM). Near 0 when the
    warm-up (bench/run.sh) brought the gateway to steady state."""
    if g and "gw_minflt" in g and calls(g):
        t.add(scenario, "  gateway page faults per call (after the warm-up)",
              fmt(g["gw_minflt"] / calls(g), 1), "", "", "", None)


def per_call_us(run, key):
    return cpu_s(run, key) * 1e6 / max(1, calls(run))


def s3(t, runs, notes):
    # kling-sim runs: S3 measured against kling-sim instead of the event-driven
    # upstream; they are graded only when there is no event-driven run.
    kling_keys = [k for k in (("S3", "tput", "direct"), ("S3", "tput", "gateway"),
                              ("S3", "tput-gwheaders", "direct")) if k in runs]
    ev_keys = [("S3", "tput-evup", "direct"), ("S3", "tput-evup", "gateway")]
    n = notes.get("S3", {})
    has_ev = n.get("event_driven_upstream") or any(k in runs for k in ev_keys)
    keys = kling_keys + (ev_keys if has_ev else [])
    if not keys:
        return
    check_calls(t, "S3", runs, keys)
    other_load(t, "S3", runs, keys)
    latency_s = n.get("latency_ms", 200) / 1000
    latency = f"{int(latency_s * 1000)} ms"
    d, g = runs.get(("S3", "tput", "direct")), runs.get(("S3", "tput", "gateway"))
    if g:
        s3_upstream_rows(t, d, g, latency_s, "kling-sim",
                         f"kling-sim (thread per connection, {latency})",
                         graded=not has_ev)
        gh = runs.get(("S3", "tput-gwheaders", "direct"))
        if gh:
            little = g.get("concurrency", 0) / latency_s
            t.add("S3", "  same, with the gateway's Accept-Encoding "
                  "(stand-in compresses answers)",
                  fmt(gh["rps"], 0), f"Little {fmt(little, 0)}",
                  fmt(gh["rps"] / little), "", None)
    ed, eg = runs.get(ev_keys[0]), runs.get(ev_keys[1])
    if eg:
        s3_upstream_rows(t, ed, eg, latency_s, "event-driven upstream",
                         f"event-driven upstream ({latency})", graded=True)
    # Threads and RSS: graded on every gateway of S3 (the worst one shown).
    gateways = [r for r in (g, eg) if r]
    if not gateways:
        return
    # (idle, peak) per gateway; the kling-sim one's idle count is the note's.
    threads = [(r.get("gw_threads_before", 0), r.get("gw_threads_max", 0))
               for r in gateways]
    # The note's idle count is taken before any load (the event-driven phase
    # starts after a warm-up); it belongs to the first gateway of the run.
    threads[0] = (n.get("gw_threads_idle", threads[0][0]), threads[0][1])
    idle, peak = max(threads, key=lambda ip: ip[1] - ip[0])
    both = " (both upstreams)" if len(gateways) > 1 else ""
    t.add("S3", f"gateway threads, idle -> peak{both}", f"{idle} -> {peak}",
          f"idle + 8 = {idle + 8}", "", "<= idle + 8", peak <= idle + 8)
    rss = max(r.get("gw_hwm_kb", 0) for r in gateways) * 1024 / MB
    t.add("S3", f"peak RSS (MB){both}", fmt(rss, 1), "256", fmt(rss / 256),
          "<= 256", rss <= 256)
    t.add("S3", "upstream connections closed during the run (TIME-WAIT)"
          + (", kling-sim / event-driven" if len(gateways) > 1 else ""),
          " / ".join(str(r.get("time_wait_new", 0)) for r in gateways),
          "", "", "", None)


def s3_upstream_rows(t, d, g, latency_s, name, label, graded):
    """The S3 rows of one upstream: the gateway's calls/s against Little's
    law (graded or info), the same load by wrk straight to that upstream,
    the upstream's and the gateway's CPU per call, latencies. The graded one
    is lipsync-bench-upstream (one epoll thread), which measures the gateway
    rather than the stand-in; kling-sim rows come from older result files."""
    c = g.get("concurrency", 0)
    little = c / latency_s
    ratio = g["rps"] / little
    t.add("S3", f"calls/s, {c} in flight, {label}", fmt(g["rps"], 0),
          f"Little {fmt(little, 0)}", fmt(ratio),
          ">= 0.90" if graded else "", (ratio >= 0.9) if graded else None)
    if d:
        t.add("S3", f"  same load straight to the {name} (wrk)",
              fmt(d["rps"], 0), f"Little {fmt(little, 0)}",
              fmt(d["rps"] / little), "", None)
        t.add("S3", f"{name} CPU per call (µs)",
              fmt(per_call_us(g, "sim_cpu_ticks"), 1),
              f"direct {fmt(per_call_us(d, 'sim_cpu_ticks'), 1)}", "", "", None)
    t.add("S3", f"gateway CPU per call, {name} (µs)",
          fmt(per_call_us(g, "gw_cpu_ticks"), 0), "", "", "", None)
    t.add("S3", f"p50 / p99 (ms), {name}",
          f"{fmt(g['p50_ms'], 1)} / {fmt(g['p99_ms'], 1)}",
          f"direct {fmt(d['p50_ms'], 1)} / {fmt(d['p99_ms'], 1)}" if d else "",
          "", "", None)


def s4(t, runs, notes):
    key = ("S4", "watch", "gateway")
    if key not in runs:
        return
    check_calls(t, "S4", runs, [key])
    other_load(t, "S4", runs, [key])
    g = runs[key]
    n = notes.get("S4", {})
    if "polls" in n and g.get("window_s"):
        rate = n["polls"] / g["window_s"]
        limit = n["tasks"] / n["poll_interval_s"]
        t.add("S4", f"upstream polls/s, {g['streams']} streams over {g['tasks']} "
              f"tasks ({n['polls']} polls in {fmt(g['window_s'], 1)} s)",
              fmt(rate, 1), f"{n['tasks']} tasks / {n['poll_interval_s']} s = "
              f"{fmt(limit, 0)}", fmt(rate / limit), "<= limit", rate <= limit)
        t.add("S4", "  polls/s if every stream polled on its own (no coalescing)",
              fmt(g["streams"] / n["poll_interval_s"], 0), "", "", "", None)
    t.add("S4", "stream messages (status changes written)", str(g.get("messages")),
          "", "", "", None)
    rss = g.get("gw_hwm_kb", 0) * 1024 / MB
    t.add("S4", "peak RSS (MB)", fmt(rss, 1), "512", fmt(rss / 512), "<= 512",
          rss <= 512)
    t.add("S4", "gateway threads, idle -> peak",
          f"{n.get('gw_threads_idle', '?')} -> {g.get('gw_threads_max')}", "", "",
          "", None)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    markdown = None
    for a in sys.argv[2:]:
        if a.startswith("--markdown="):
            markdown = a.split("=", 1)[1]
    runs, notes, machine = load(sys.argv[1])
    t = Table()
    for scenario in (s1, s2, s3, s4):
        scenario(t, runs, notes)
    m = machine
    where = (f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, "
             f"{m.get('mem_gib', '?')} GiB, Linux {m.get('kernel', '?')}, "
             f"{m.get('date', '?')}, load average {m.get('loadavg_start', '?')} "
             f"at start, {m.get('loadavg_end', '?')} at end"
             + (f", first touch of a page {m['page_first_touch_us']:.1f} µs"
                if "page_first_touch_us" in m else "")
             + (" (--quick)" if m.get("quick") else ""))
    print()
    print(f"lipsync-gateway benchmark on {where}")
    print(t.text())
    other = ("Cores used by other processes during each run (run/d=direct, "
             "g=gateway; 0 on a quiet machine): " + "; ".join(t.notes))
    if t.notes:
        print("\n" + other)
    if markdown:
        with open(markdown, "w") as f:
            f.write(f"Machine: {where}\n\n{t.markdown()}\n\n{other}\n")
    if t.broken:
        print("\nSOME CALLS FAILED or a run is missing: see the rows marked '!'")
        return 1
    return 3 if t.failed_target else 0


if __name__ == "__main__":
    sys.exit(main())

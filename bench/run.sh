#!/usr/bin/env bash
# bench/run.sh: the one benchmark command. Builds lipsync-gateway, kling-sim
# and lipsync-loadgen in Release (build-release/), starts them on 127.0.0.1
# and measures each scenario side by side with its limit:
#   S1 small create    wrk → kling-sim        vs  loadgen → gateway → kling-sim
#   S2 5 MB audio      wrk → kling-sim        vs  loadgen → gateway → kling-sim
#   S3 slow upstream   Little's law (and wrk)  vs  1,000 calls in flight
#                      (against kling-sim, then an event-driven bench upstream)
#   S4 watchers        tasks / poll interval   vs  10,000 streams over 100 tasks
# Prints one table (scenario, metric, gateway, limit, ratio, target, result).
# See bench/README.md and docs/PERFORMANCE.md.
#
# Exit status: 0 every call succeeded and every target passed; 1 a call
# failed or a measurement broke; 3 every call succeeded but a target failed.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/run.sh [--quick] [--no-build] [--scenarios=S1,S2,S3,S4] [--keep]
  --quick       short smoke run (~1 min): 2 s phases, S4 with 1,000 streams
  --no-build    use the binaries already in build-release/
  --scenarios   run only these (comma-separated)
  --keep        keep the work directory (logs, raw JSON lines)
Environment: LIPSYNC_BENCH_BUILD_DIR (default build-release);
  LIPSYNC_BENCH_GATEWAY (gateway binary, default the one built);
  LIPSYNC_BENCH_GATEWAY_ARGS (flags of every gateway, default
  "--allow_insecure_upstream --plaintext --log_level=warning").
EOF
}

QUICK=0
BUILD=1
KEEP=0
SCENARIOS="S1,S2,S3,S4"
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --scenarios=*) SCENARIOS="${arg#*=}" ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; usage >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${LIPSYNC_BENCH_BUILD_DIR:-$ROOT/build-release}"
PY=/usr/bin/python3 # Debian's, stdlib only
SIM_BIN="$BUILD_DIR/sim/kling-sim"
# LIPSYNC_BENCH_GATEWAY: another gateway binary to measure (an A/B pair with
# --no-build), instead of the one just built.
GW_BIN="${LIPSYNC_BENCH_GATEWAY:-$BUILD_DIR/service/lipsync-gateway}"
# Flags every gateway of every scenario gets (scenario flags come after).
# LIPSYNC_BENCH_GATEWAY_ARGS replaces them, e.g. to A/B a flag.
GATEWAY_ARGS=(--allow_insecure_upstream --plaintext --log_level=warning)
if [[ -n "${LIPSYNC_BENCH_GATEWAY_ARGS+x}" ]]; then
  read -r -a GATEWAY_ARGS <<<"$LIPSYNC_BENCH_GATEWAY_ARGS"
fi
LOADGEN="$BUILD_DIR/bench/loadgen/lipsync-loadgen"
# S1's floor: the two libraries alone (bench/floor/).
FLOOR_SERVER="$BUILD_DIR/bench/floor/lipsync-floor-server"
FLOOR_CURL="$BUILD_DIR/bench/floor/lipsync-floor-curl"
# S3's event-driven upstream (bench/floor/bench_upstream.cc): a bench
# stand-in, not the contract one (kling-sim).
BENCH_UPSTREAM="$BUILD_DIR/bench/floor/lipsync-bench-upstream"
# A probe of the machine, printed with the table (bench/machine/).
PAGE_FAULT_COST="$BUILD_DIR/bench/machine/lipsync-page-fault-cost"
WRK_LUA="$ROOT/bench/loadgen/wrk_post.lua"
TABLE_PY="$ROOT/bench/loadgen/bench_table.py"
API_KEY=sim-key
CLK_TCK="$(getconf CLK_TCK)"
SIM_THREADS=1200 # > the 1,000 connections of S3 (cpp-httplib: a thread each)

# Phase lengths and sizes; --quick shortens them (for development only).
# WARM_DUR: every measured phase (but S4's one-shot watch) first runs the
# same load this long, unmeasured (warm_up below).
if ((QUICK)); then
  DUR=2; LAT_DUR=2; S3_DUR=3; WARM_DUR=1
  S4_TASKS=20; S4_STREAMS=1000; S4_PROCESSING_MS=1000; S4_FINISH_MS=4000
else
  DUR=10; LAT_DUR=5; S3_DUR=10; WARM_DUR=5
  S4_TASKS=100; S4_STREAMS=10000; S4_PROCESSING_MS=5000; S4_FINISH_MS=15000
fi
S1_C=64       # throughput phase: enough to saturate 2 cores
S2_C=8        # 8 x 5 MB in flight
S2_AUDIO=5000000
S3_C=1000
S3_LATENCY_MS=200
S4_POLL_INITIAL=1s
TOOL_TIMEOUT=180 # no load tool runs longer than this

WORK="$(mktemp -d /tmp/lipsync-bench.XXXXXX)"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
BG_PIDS=()
SIM_PID=""
GW_PID=""
SAMPLER_PID=""
GW_ACCEPT_ENCODING=""

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# cleanup, build, wait_port_file: shared with the other bench script.
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup ----

install_tools() {
  if [[ -x "$ROOT/scripts/setup.sh" ]]; then "$ROOT/scripts/setup.sh" >&2; fi
  local missing=()
  local p
  for p in wrk iproute2 curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
}


# start_sim NAME [flags...]: sets SIM_PID and SIM_PORT.
start_sim() {
  local name=$1
  shift
  rm -f "$WORK/sim.port"
  "$SIM_BIN" --listen=127.0.0.1:0 --port_file="$WORK/sim.port" \
    --api_key="$API_KEY" --threads="$SIM_THREADS" "$@" \
    >"$WORK/sim-$name.log" 2>&1 &
  SIM_PID=$!
  BG_PIDS+=("$SIM_PID")
  SIM_PORT="$(wait_port_file "$WORK/sim.port" "$SIM_PID")"
}

# start_bench_upstream NAME [flags...]: lipsync-bench-upstream in kling-sim's
# place; sets SIM_PID and SIM_PORT, so that start_gateway, direct, gateway
# and stop_stack use it as they use kling-sim (it has no /_sim API).
start_bench_upstream() {
  local name=$1
  shift
  rm -f "$WORK/sim.port"
  "$BENCH_UPSTREAM" --listen=127.0.0.1:0 --port_file="$WORK/sim.port" \
    --api_key="$API_KEY" "$@" >"$WORK/bench-upstream-$name.log" 2>&1 &
  SIM_PID=$!
  BG_PIDS+=("$SIM_PID")
  SIM_PORT="$(wait_port_file "$WORK/sim.port" "$SIM_PID")"
}

# start_gateway NAME [flags...]: sets GW_PID and GW_PORT. A fresh process per
# scenario, so that VmHWM is that scenario's peak RSS.
start_gateway() {
  local name=$1
  shift
  rm -f "$WORK/gw.port"
  KLING_API_KEY="$API_KEY" "$GW_BIN" --listen=127.0.0.1:0 \
    --port_file="$WORK/gw.port" \
    --upstream_base_url="http://127.0.0.1:$SIM_PORT" \
    "${GATEWAY_ARGS[@]}" "$@" \
    >"$WORK/gateway-$name.log" 2>&1 &
  GW_PID=$!
  BG_PIDS+=("$GW_PID")
  GW_PORT="$(wait_port_file "$WORK/gw.port" "$GW_PID")"
}

# stop_pid PID: SIGTERM, then SIGKILL after 15 s; forgets the pid once reaped.
stop_pid() {
  local pid=$1 i kept=()
  [[ -n "$pid" ]] || return 0
  if kill -TERM "$pid" 2>/dev/null; then
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for i in "${BG_PIDS[@]}"; do [[ "$i" == "$pid" ]] || kept+=("$i"); done
  BG_PIDS=("${kept[@]}")
}

stop_stack() {
  stop_pid "$GW_PID"
  stop_pid "$SIM_PID"
  GW_PID=""
  SIM_PID=""
}

# ---------------------------------------------------------- /proc reads ----

# Reads /proc/PID/stat into the array STAT, the fields after the command
# name (which may hold spaces): field N of proc(5) is ${STAT[N-3]}.
read_proc_stat() {
  local stat
  stat="$(<"/proc/$1/stat")"
  read -r -a STAT <<<"${stat##*) }"
}

# utime + stime of PID, in clock ticks.
cpu_ticks() {
  read_proc_stat "$1"
  echo $((STAT[11] + STAT[12]))
}

# Minor page faults of PID so far (first touches of its memory).
minor_faults() {
  read_proc_stat "$1"
  echo "${STAT[7]}"
}

# CPU time of this shell's waited-for children (the load tools), in ticks.
children_ticks() {
  read_proc_stat "$$"
  echo $((STAT[13] + STAT[14]))
}

# Busy ticks of the whole machine (all cores), from /proc/stat.
machine_busy_ticks() {
  local cpu user nice system idle iowait irq softirq steal _
  read -r cpu user nice system idle iowait irq softirq steal _ </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# status_field PID NAME: the number of a /proc/PID/status line (kB or count).
status_field() {
  local key value _
  while read -r key value _; do
    if [[ "$key" == "$2:" ]]; then
      echo "$value"
      return
    fi
  done <"/proc/$1/status"
  echo 0
}

# Samples Threads and VmRSS of PID every 100 ms into FILE (max of each) until
# stopped; bounded to 10 minutes.
start_sampler() {
  local pid=$1 file=$2
  (
    max_threads=0
    max_rss=0
    # The sampler starts no process while it samples: the peaks are written
    # once, when it is stopped, and it sleeps in a builtin read on a pipe of
    # its own. (mv and sleep ten times a second cost 0.16 of a core on this
    # 2-core machine, in the gateway phases only.)
    trap 'echo "$max_threads $max_rss" >"$file"; exit 0' TERM
    exec 9<> <(:)
    for ((i = 0; i < 6000; i++)); do
      threads=0
      rss=0
      while read -r key value _; do
        case "$key" in
          Threads:) threads=$value ;;
          VmRSS:) rss=$value ;;
        esac
      done <"/proc/$pid/status" 2>/dev/null || break
      ((threads > max_threads)) && max_threads=$threads
      ((rss > max_rss)) && max_rss=$rss
      read -r -t 0.1 -u 9 _ || true
    done
    echo "$max_threads $max_rss" >"$file"
  ) &
  SAMPLER_PID=$!
  BG_PIDS+=("$SAMPLER_PID")
}

stop_sampler() {
  stop_pid "$SAMPLER_PID"
  SAMPLER_PID=""
}

# Sets GW_ACCEPT_ENCODING to the Accept-Encoding the gateway sends upstream
# (from the stand-in's request record, after one call). The direct runs send
# none, as a standard HTTP client does; an extra direct run with the
# gateway's value shows what asking for compressed answers costs the
# stand-in (cpp-httplib then brotli-compresses every answer).
mirror_gateway_headers() {
  "$LOADGEN" --target="127.0.0.1:$GW_PORT" --mode=create-small --concurrency=1 \
    --channels=1 --max_calls=1 >/dev/null 2>&1 || { log "gateway warm-up call failed"; return 1; }
  GW_ACCEPT_ENCODING="$(curl -sf "http://127.0.0.1:$SIM_PORT/_sim/requests?path_prefix=/v1/videos/advanced-lip-sync" |
    "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r[-1]["headers"].get("accept-encoding", "") if r else "")')"
  curl -sf -X DELETE "http://127.0.0.1:$SIM_PORT/_sim/requests" >/dev/null
  log "gateway sends Accept-Encoding: '${GW_ACCEPT_ENCODING}'"
}

sim_polls() {
  curl -sf "http://127.0.0.1:$SIM_PORT/_sim/stats" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["by_path"].get("GET /v1/videos/advanced-lip-sync/{id}", 0))'
}

# Client-side TIME-WAIT sockets towards the stand-in: connections the gateway
# closed (not kept alive) in the last 60 s.
time_wait_to_sim() {
  ss -Htan state time-wait "( dport = :$SIM_PORT )" 2>/dev/null | wc -l
}

# emit JSON_LINE EXTRA_FIELDS: appends the tool's JSON line with more fields.
emit() {
  local line=$1 extra=$2
  if [[ "$line" != \{*\} ]]; then
    log "no JSON result from the load tool"
    line='{"failed":-1,"tool_error":true}'
  fi
  echo "${line%\}},$extra}" >>"$RESULTS"
}

# --------------------------------------------------------------- phases ----

# warm_up WHAT COMMAND...: runs COMMAND (a phase's own load, with its
# duration set to WARM_DUR) unmeasured, unless WARM_DUR is 0. Each phase measures
# processes in steady state, as in a service that has been running: a fresh
# process's first calls open connections and fault in its heap, and a first
# touch of a page costs 14-18 µs on this paravirtualized VM (a fresh
# gateway's first ~100 calls of S2 cost 4-5 ms more each than the next).
# The faults left in the measured phase are
# reported (gw_minflt).
warm_up() {
  local what=$1
  shift
  ((WARM_DUR > 0)) || return 0
  timeout "$TOOL_TIMEOUT" "$@" >/dev/null 2>"$WORK/warm-up.err" ||
    log "$what warm-up failed: $(tail -c 300 "$WORK/warm-up.err")"
}

# Returns once the stand-in has used less than 10% of a core for 200 ms (5 s
# at most). After wrk's warm-up: wrk stops at its deadline and drops the
# requests in flight, which the stand-in still works on (an S2 create: ~800
# ms of parsing each), so they would otherwise land in the measured phase.
# (The loadgen and lipsync-floor-curl wait for their calls in flight.)
wait_stand_in_idle() {
  [[ -n "$SIM_PID" ]] || return 0
  local i before after
  for ((i = 0; i < 25; i++)); do
    before="$(cpu_ticks "$SIM_PID")"
    sleep 0.2
    after="$(cpu_ticks "$SIM_PID")"
    ((after - before < 2)) && return 0
  done
  log "the stand-in was still busy 5 s after a warm-up"
}

# direct SCENARIO PHASE CONCURRENCY SECONDS BODY_FILE [wrk flags...]
direct() {
  local scenario=$1 phase=$2 c=$3 secs=$4 body=$5 rc=0 out
  shift 5
  local threads=2
  ((c < 2)) && threads=1
  local sim0 sim1 c0 c1 m0 m1 w0 w1
  warm_up "$scenario $phase direct" env WRK_BODY_FILE="$body" WRK_API_KEY="$API_KEY" \
    WRK_ACCEPT_ENCODING="${ACCEPT_ENCODING-}" wrk -t"$threads" -c"$c" \
    -d"${WARM_DUR}s" -s "$WRK_LUA" "$@" "http://127.0.0.1:$SIM_PORT/v1/videos/advanced-lip-sync"
  ((WARM_DUR > 0)) && wait_stand_in_idle
  sim0="$(cpu_ticks "$SIM_PID")"
  c0="$(children_ticks)"
  m0="$(machine_busy_ticks)"
  w0="$(date +%s%N)"
  out="$(WRK_BODY_FILE="$body" WRK_API_KEY="$API_KEY" \
    WRK_ACCEPT_ENCODING="${ACCEPT_ENCODING-}" timeout "$TOOL_TIMEOUT" \
    wrk -t"$threads" -c"$c" -d"${secs}s" -s "$WRK_LUA" "$@" \
    "http://127.0.0.1:$SIM_PORT/v1/videos/advanced-lip-sync" 2>"$WORK/wrk.err" |
    grep '^{' | tail -1)" || rc=$?
  sim1="$(cpu_ticks "$SIM_PID")"
  c1="$(children_ticks)"
  m1="$(machine_busy_ticks)"
  w1="$(date +%s%N)"
  emit "$out" "\"wall_ms\":$(((w1 - w0) / 1000000)),\"scenario\":\"$scenario\",\"phase\":\"$phase\",\"side\":\"direct\",\"accept_encoding\":\"${ACCEPT_ENCODING-}\",\"concurrency\":$c,\"rc\":$rc,\"sim_cpu_ticks\":$((sim1 - sim0)),\"tool_cpu_ticks\":$((c1 - c0)),\"machine_busy_ticks\":$((m1 - m0)),\"clk_tck\":$CLK_TCK"
  log "$scenario $phase direct c=$c: $(echo "$out" | cut -c1-160)"
}

# gateway SCENARIO PHASE [loadgen flags...]
gateway() {
  local scenario=$1 phase=$2 rc=0 out
  shift 2
  local t0 t1 s0 s1 c0 c1 m0 m1 w0 w1 tw0 tw1 f0 f1 idle_threads
  idle_threads="$(status_field "$GW_PID" Threads)"
  # Sampled from before the warm-up: its ramp is where threads start.
  start_sampler "$GW_PID" "$WORK/sample"
  warm_up "$scenario $phase gateway" "$LOADGEN" --target="127.0.0.1:$GW_PORT" \
    --label="$scenario-$phase-warm-up" "$@" --duration="${WARM_DUR}s"
  tw0="$(time_wait_to_sim)"
  t0="$(cpu_ticks "$GW_PID")"
  f0="$(minor_faults "$GW_PID")"
  s0="$(cpu_ticks "$SIM_PID")"
  c0="$(children_ticks)"
  m0="$(machine_busy_ticks)"
  w0="$(date +%s%N)"
  out="$(timeout "$TOOL_TIMEOUT" "$LOADGEN" --target="127.0.0.1:$GW_PORT" \
    --label="$scenario-$phase" "$@" 2>"$WORK/loadgen.err" | tail -1)" || rc=$?
  t1="$(cpu_ticks "$GW_PID")"
  f1="$(minor_faults "$GW_PID")"
  s1="$(cpu_ticks "$SIM_PID")"
  c1="$(children_ticks)"
  m1="$(machine_busy_ticks)"
  w1="$(date +%s%N)"
  tw1="$(time_wait_to_sim)"
  stop_sampler
  local sample=(0 0)
  [[ -s "$WORK/sample" ]] && read -r -a sample <"$WORK/sample"
  emit "$out" "\"wall_ms\":$(((w1 - w0) / 1000000)),\"scenario\":\"$scenario\",\"phase\":\"$phase\",\"side\":\"gateway\",\"rc\":$rc,\"gw_cpu_ticks\":$((t1 - t0)),\"gw_minflt\":$((f1 - f0)),\"clk_tck\":$CLK_TCK,\"sim_cpu_ticks\":$((s1 - s0)),\"tool_cpu_ticks\":$((c1 - c0)),\"machine_busy_ticks\":$((m1 - m0)),\"gw_threads_before\":$idle_threads,\"gw_threads_max\":${sample[0]},\"gw_rss_max_kb\":${sample[1]},\"gw_hwm_kb\":$(status_field "$GW_PID" VmHWM),\"gw_rss_after_kb\":$(status_field "$GW_PID" VmRSS),\"time_wait_new\":$((tw1 - tw0))"
  log "$scenario $phase gateway: $(echo "$out" | cut -c1-160)"
  [[ -s "$WORK/loadgen.err" ]] && sed 's/^/    /' "$WORK/loadgen.err" >&2
  return 0
}

# floor_grpc SCENARIO CONCURRENCY SECONDS [loadgen flags...]: the loadgen
# (--mode=create-small unless flags say otherwise) against a bare gRPC
# callback server started for the purpose (lipsync-floor-server); records
# that server's CPU as floor_cpu_ticks.
floor_grpc() {
  local scenario=$1 c=$2 secs=$3
  shift 3
  (($# > 0)) || set -- --mode=create-small
  floor_server_phase "$scenario" floor-grpc "$c" "$secs" -- "$@"
}

# floor_proxy SCENARIO PHASE CONCURRENCY SECONDS BODY_FILE [loadgen flags]:
# the same against the thinnest gateway we could build on the stack
# (lipsync-floor-server --forward_url: each call POSTs BODY_FILE to the
# running stand-in over libcurl's multi interface on one I/O thread, then
# answers); also records the stand-in's CPU.
floor_proxy() {
  local scenario=$1 phase=$2 c=$3 secs=$4 body=$5
  shift 5
  floor_server_phase "$scenario" "$phase" "$c" "$secs" \
    --forward_url="http://127.0.0.1:$SIM_PORT/v1/videos/advanced-lip-sync" \
    --forward_body_file="$body" --api_key="$API_KEY" -- --mode=create-small "$@"
}

# floor_server_phase SCENARIO PHASE CONCURRENCY SECONDS [server flags...] --
# [loadgen flags...]: one floor phase against a fresh lipsync-floor-server.
floor_server_phase() {
  local scenario=$1 phase=$2 c=$3 secs=$4 rc=0 out pid port
  local -a server_flags=()
  shift 4
  while (($# > 0)) && [[ "$1" != -- ]]; do
    server_flags+=("$1")
    shift
  done
  shift # the --
  rm -f "$WORK/floor.port"
  "$FLOOR_SERVER" --listen=127.0.0.1:0 --port_file="$WORK/floor.port" "${server_flags[@]}" \
    >"$WORK/$phase-server-$scenario.log" 2>&1 &
  pid=$!
  BG_PIDS+=("$pid")
  port="$(wait_port_file "$WORK/floor.port" "$pid")"
  local f0 f1 s0=0 s1=0 c0 c1 m0 m1 w0 w1
  warm_up "$scenario $phase" "$LOADGEN" --target="127.0.0.1:$port" \
    --channels=4 "$@" --concurrency="$c" --duration="${WARM_DUR}s"
  f0="$(cpu_ticks "$pid")"
  [[ "$phase" == floor-proxy* ]] && s0="$(cpu_ticks "$SIM_PID")"
  c0="$(children_ticks)"
  m0="$(machine_busy_ticks)"
  w0="$(date +%s%N)"
  out="$(timeout "$TOOL_TIMEOUT" "$LOADGEN" --target="127.0.0.1:$port" \
    --label="$scenario-$phase" --channels=4 "$@" --concurrency="$c" \
    --duration="${secs}s" 2>"$WORK/loadgen.err" | tail -1)" || rc=$?
  f1="$(cpu_ticks "$pid")"
  [[ "$phase" == floor-proxy* ]] && s1="$(cpu_ticks "$SIM_PID")"
  c1="$(children_ticks)"
  m1="$(machine_busy_ticks)"
  w1="$(date +%s%N)"
  stop_pid "$pid"
  emit "$out" "\"wall_ms\":$(((w1 - w0) / 1000000)),\"scenario\":\"$scenario\",\"phase\":\"$phase\",\"side\":\"floor\",\"rc\":$rc,\"floor_cpu_ticks\":$((f1 - f0)),\"sim_cpu_ticks\":$((s1 - s0)),\"clk_tck\":$CLK_TCK,\"tool_cpu_ticks\":$((c1 - c0)),\"machine_busy_ticks\":$((m1 - m0))"
  log "$scenario $phase: $(echo "$out" | cut -c1-160)"
  [[ -s "$WORK/loadgen.err" ]] && sed 's/^/    /' "$WORK/loadgen.err" >&2
  return 0
}

# floor_curl SCENARIO CONCURRENCY SECONDS BODY_FILE [PHASE]: a bare libcurl
# multi client (lipsync-floor-curl) against the running stand-in; PHASE
# defaults to floor-curl. It runs its own warm-up first (--warm_up) and
# reports its own CPU (cpu_s, getrusage) and the stand-in's
# (stand_in_cpu_ticks) over the measured run alone; tool_cpu_ticks and
# sim_cpu_ticks, seen from here, include the warm-up.
floor_curl() {
  local scenario=$1 c=$2 secs=$3 body=$4 phase=${5:-floor-curl} rc=0 out
  local s0 s1 c0 c1 m0 m1 w0 w1 tw0 tw1
  tw0="$(time_wait_to_sim)"
  s0="$(cpu_ticks "$SIM_PID")"
  c0="$(children_ticks)"
  m0="$(machine_busy_ticks)"
  w0="$(date +%s%N)"
  out="$(timeout "$TOOL_TIMEOUT" "$FLOOR_CURL" --concurrency="$c" \
    --duration="${secs}s" --warm_up="${WARM_DUR}s" --stand_in_pid="$SIM_PID" \
    --body_file="$body" --api_key="$API_KEY" \
    --url="http://127.0.0.1:$SIM_PORT/v1/videos/advanced-lip-sync" \
    2>"$WORK/floor-curl.err" | tail -1)" || rc=$?
  s1="$(cpu_ticks "$SIM_PID")"
  c1="$(children_ticks)"
  m1="$(machine_busy_ticks)"
  w1="$(date +%s%N)"
  tw1="$(time_wait_to_sim)"
  emit "$out" "\"wall_ms\":$(((w1 - w0) / 1000000)),\"scenario\":\"$scenario\",\"phase\":\"$phase\",\"side\":\"floor\",\"rc\":$rc,\"clk_tck\":$CLK_TCK,\"sim_cpu_ticks\":$((s1 - s0)),\"tool_cpu_ticks\":$((c1 - c0)),\"machine_busy_ticks\":$((m1 - m0)),\"time_wait_new\":$((tw1 - tw0))"
  log "$scenario $phase: $(echo "$out" | cut -c1-160)"
  [[ -s "$WORK/floor-curl.err" ]] && sed 's/^/    /' "$WORK/floor-curl.err" >&2
  return 0
}

# Fields that the table needs besides the runs.
note() { echo "{\"note\":true,$1}" >>"$RESULTS"; }

# ------------------------------------------------------------ scenarios ----

scenario_s1() {
  log "S1 small create (audio_id)"
  start_sim S1
  start_gateway S1
  note "\"scenario\":\"S1\",\"gw_threads_idle\":$(status_field "$GW_PID" Threads),\"gw_rss_idle_kb\":$(status_field "$GW_PID" VmRSS)"
  mirror_gateway_headers
  "$LOADGEN" --mode=write-body --audio_bytes=0 --out="$WORK/small.json" >/dev/null
  direct S1 tput "$S1_C" "$DUR" "$WORK/small.json"
  if [[ -n "$GW_ACCEPT_ENCODING" ]]; then
    # The same with the gateway's Accept-Encoding (info row): what the
    # stand-in serves when it compresses every answer.
    ACCEPT_ENCODING="$GW_ACCEPT_ENCODING" direct S1 tput-gwheaders "$S1_C" "$DUR" "$WORK/small.json"
  fi
  gateway S1 tput --mode=create-small --concurrency="$S1_C" --channels=4 --duration="${DUR}s"
  # The thinnest gateway we could build on the stack, on the same stand-in, the
  # gateway stopped first (its idle kept-alive connections would cost
  # kling-sim a thread wake-up each every 10 ms): S1's throughput and CPU
  # targets against what gRPC 1.51 + libcurl 7.88 reach at all.
  stop_pid "$GW_PID"
  GW_PID=""
  floor_proxy S1 floor-proxy "$S1_C" "$DUR" "$WORK/small.json"
  # Latency on a fresh stand-in and gateway: the gateway keeps the c=64
  # phase's connections alive (as it should), and kling-sim (cpp-httplib
  # 0.11) wakes a thread per idle kept-alive connection every 10 ms, which
  # then competes for the 2 cores with every call of the c=1 phases (+0.1 ms
  # p50 at the gateway; none against lipsync-bench-upstream, whose idle
  # connections cost nothing).
  stop_stack
  start_sim S1-latency
  start_gateway S1-latency
  direct S1 c1 1 "$LAT_DUR" "$WORK/small.json"
  # The thinnest proxy at c=1 (stopped before the gateway's phase, so its
  # connection closes): the added p50 the stack itself costs.
  floor_proxy S1 floor-proxy-c1 1 "$LAT_DUR" "$WORK/small.json" --channels=1
  gateway S1 c1 --mode=create-small --concurrency=1 --channels=1 --duration="${LAT_DUR}s"
  direct S1 c16 16 "$LAT_DUR" "$WORK/small.json"
  gateway S1 c16 --mode=create-small --concurrency=16 --channels=4 --duration="${LAT_DUR}s"
  # The floor (info rows): the same load on each library alone.
  floor_grpc S1 "$S1_C" "$DUR"
  floor_curl S1 "$S1_C" "$DUR" "$WORK/small.json"
  stop_stack
  # Info rows: c=1 again, against lipsync-bench-upstream (one epoll thread,
  # answers at once), where the stand-in's own cost per request is small:
  # what the gateway adds, with less of kling-sim's thread-per-connection
  # cost in it (kling-sim spends more per request behind the gateway than
  # behind wrk: 120-160 against ~90 us for the same JSON).
  start_bench_upstream S1-evup --latency_ms=0
  start_gateway S1-evup
  direct S1 c1-evup 1 "$LAT_DUR" "$WORK/small.json"
  gateway S1 c1-evup --mode=create-small --concurrency=1 --channels=1 --duration="${LAT_DUR}s"
  stop_stack
}

scenario_s2() {
  log "S2 5 MB audio (sound_file_bytes)"
  start_sim S2
  start_gateway S2
  note "\"scenario\":\"S2\",\"gw_threads_idle\":$(status_field "$GW_PID" Threads),\"gw_rss_idle_kb\":$(status_field "$GW_PID" VmRSS)"
  mirror_gateway_headers
  "$LOADGEN" --mode=write-body --audio_bytes="$S2_AUDIO" --out="$WORK/audio.json" >/dev/null
  direct S2 tput "$S2_C" "$DUR" "$WORK/audio.json" --timeout=20s
  gateway S2 tput --mode=create-audio --audio_bytes="$S2_AUDIO" --concurrency="$S2_C" --channels=4 --duration="${DUR}s"
  # One call at a time is ~10 calls/s here: twice the phase length for p50.
  direct S2 c1 1 "$((2 * LAT_DUR))" "$WORK/audio.json" --timeout=20s
  gateway S2 c1 --mode=create-audio --audio_bytes="$S2_AUDIO" --concurrency=1 --channels=1 --duration="$((2 * LAT_DUR))s"
  # The floor (info rows): receiving the 5 MB create with gRPC alone, and
  # POSTing its 6.7 MB JSON body with libcurl alone.
  floor_grpc S2 "$S2_C" "$DUR" --mode=create-audio --audio_bytes="$S2_AUDIO"
  floor_curl S2 "$S2_C" "$DUR" "$WORK/audio.json"
  stop_stack
  # Info rows: the same load, and the bare libcurl client, against
  # lipsync-bench-upstream (one epoll thread; takes the 6.7 MB body without
  # parsing it, answers at once). Behind kling-sim (~800 ms per create) the
  # uploads are paced by its reads and its parsing runs beside the gateway;
  # these rows give the gateway's own CPU per 5 MB call and its floor
  # without either (6.2-8.0 ms behind kling-sim, 5.6-6.0 ms here).
  start_bench_upstream S2-evup --latency_ms=0 --max_body_bytes=8000000
  start_gateway S2-evup
  direct S2 tput-evup "$S2_C" "$DUR" "$WORK/audio.json" --timeout=20s
  gateway S2 tput-evup --mode=create-audio --audio_bytes="$S2_AUDIO" --concurrency="$S2_C" --channels=4 --duration="${DUR}s"
  floor_curl S2 "$S2_C" "$DUR" "$WORK/audio.json" floor-curl-evup
  stop_stack
}

scenario_s3() {
  log "S3 slow upstream (${S3_LATENCY_MS} ms), $S3_C calls in flight"
  # Against lipsync-bench-upstream (one epoll thread), not kling-sim:
  # cpp-httplib 0.11 (a thread per connection) polls each idle kept-alive
  # connection every 10 ms, which at 1,000 connections costs kling-sim
  # 5-15 ms of CPU per call behind the gateway, so S3 measured the stand-in
  # (wrk alone reaches 0.97 x Little against lipsync-bench-upstream).
  start_bench_upstream S3 --latency_ms="$S3_LATENCY_MS"
  start_gateway S3
  sleep 1
  note "\"scenario\":\"S3\",\"gw_threads_idle\":$(status_field "$GW_PID" Threads),\"gw_rss_idle_kb\":$(status_field "$GW_PID" VmRSS),\"latency_ms\":$S3_LATENCY_MS,\"event_driven_upstream\":true"
  "$LOADGEN" --mode=write-body --audio_bytes=0 --out="$WORK/small.json" >/dev/null
  # Each side first runs unmeasured at the same concurrency (warm_up): the
  # gateway's 1,000 upstream connections are open when its phase starts
  # (each load tool opens its own again, and each phase has its 200 ms ramp).
  direct S3 tput-evup "$S3_C" "$S3_DUR" "$WORK/small.json" --timeout=10s
  gateway S3 tput-evup --mode=create-small --concurrency="$S3_C" --channels=10 --duration="${S3_DUR}s"
  stop_stack
}

scenario_s4() {
  log "S4 watchers: $S4_STREAMS streams over $S4_TASKS tasks"
  start_sim S4 --processing_after_ms="$S4_PROCESSING_MS" --finish_after_ms="$S4_FINISH_MS"
  start_gateway S4 --watch_poll_initial="$S4_POLL_INITIAL" --watch_poll_max=2s
  note "\"scenario\":\"S4\",\"gw_threads_idle\":$(status_field "$GW_PID" Threads),\"gw_rss_idle_kb\":$(status_field "$GW_PID" VmRSS)"
  local p0 p1
  p0="$(sim_polls)"
  # No warm-up: the phase is one wave of streams, measured whole.
  WARM_DUR=0 gateway S4 watch --mode=watch --tasks="$S4_TASKS" --streams="$S4_STREAMS" --channels=10 --stream_timeout=90s
  p1="$(sim_polls)"
  note "\"scenario\":\"S4\",\"polls\":$((p1 - p0)),\"tasks\":$S4_TASKS,\"poll_interval_s\":${S4_POLL_INITIAL%s}"
  stop_stack
}

# ------------------------------------------------------------------ main ---

machine_note() {
  "$PY" - "$QUICK" "$PAGE_FAULT_COST" >>"$RESULTS" <<'EOF'
import json, os, platform, subprocess, sys, time
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
mem_kb = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem_kb = int(line.split()[1])
print(json.dumps({"note": True, "machine": {
    "cpu": model, "cores": os.cpu_count(), "mem_gib": round(mem_kb / 2**20, 1),
    "kernel": platform.release(),
    "loadavg_start": open("/proc/loadavg").read().split()[0],
    "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    "quick": sys.argv[1] == "1"}}))
# What a first touch of a page costs here (lipsync-page-fault-cost).
try:
    cost = json.loads(subprocess.run([sys.argv[2]], capture_output=True,
                                     text=True, timeout=60).stdout)
    print(json.dumps({"note": True, "machine": {
        "page_first_touch_us": cost["first_touch_us"]}}))
except (OSError, ValueError, KeyError, subprocess.SubprocessError):
    pass
EOF
}

install_tools
((BUILD)) && build
for bin in "$SIM_BIN" "$GW_BIN" "$LOADGEN" "$FLOOR_SERVER" "$FLOOR_CURL" \
  "$BENCH_UPSTREAM"; do
  [[ -x "$bin" ]] || { log "missing $bin (run without --no-build)"; exit 1; }
done
machine_note
load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" 'BEGIN { exit !(l > 1.0) }'; then
  log "WARNING: load average $load: other work shares the 2 cores; every number will be low"
fi
IFS=, read -r -a chosen <<<"$SCENARIOS"
for s in "${chosen[@]}"; do
  case "$s" in
    S1) scenario_s1 ;;
    S2) scenario_s2 ;;
    S3) scenario_s3 ;;
    S4) scenario_s4 ;;
    *) log "unknown scenario $s"; exit 2 ;;
  esac
done
echo "{\"note\":true,\"loadavg_end\":\"$(cut -d' ' -f1 /proc/loadavg)\"}" >>"$RESULTS"
cp "$RESULTS" "$BUILD_DIR/bench-results.jsonl"
rc=0
"$PY" "$TABLE_PY" "$RESULTS" --markdown="$BUILD_DIR/bench-table.md" || rc=$?
log "raw results: $BUILD_DIR/bench-results.jsonl; markdown table: $BUILD_DIR/bench-table.md"
exit "$rc"

#!/usr/bin/env bash
# bench/soak.sh: a bounded soak (minutes, not hours). Builds lipsync-gateway,
# kling-sim and lipsync-loadgen in Release (build-release/, as bench/run.sh),
# starts kling-sim and the gateway on 127.0.0.1 (free ports), and then:
#   warm-up   30 s of the steady mixed load, no faults (caches fill up to
#             their caps, pools open), then six 16 MB answers to list calls
#             (glibc's arenas reach their high-water mark: see "RSS" in
#             bench/README.md); then the baseline sample, idle;
#   soak      --minutes of the same load (creates with idempotency keys,
#             replays of those keys, gets, lists, watches, identify) while a
#             bounded loop injects upstream faults at the sim, one kind after
#             the other (5xx, 429 + Retry-After, resets, malformed, truncated
#             and empty answers, code in 200, slow answers, slow drips, hangs,
#             a 16 MB answer, a 5xx burst that opens the circuit breaker);
#             the gateway's RSS, fds and threads sampled every 5 s;
#   tail      20 s of the load with no fault: every call must be OK;
#   end       the end sample (idle), health, the sim's record.
# Prints a table (calls by method and gRPC status, RSS/fds/threads at start
# and end, upstream create POSTs vs distinct idempotency keys) and PASS/FAIL
# verdicts. See bench/README.md ("Soak") and docs/SOAK.md.
#
# Exit status: 0 every verdict PASS; 1 a verdict FAILed or a step broke;
# 2 bad usage.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/soak.sh [--minutes N] [--rate R] [--no-build] [--keep]
  --minutes N   soak phase length in minutes (default 3, at most 30)
  --rate R      calls started per second (default 150, at most 1000)
  --no-build    use the binaries already in build-release/
  --keep        keep the work directory (logs, samples, raw JSON)
Environment: LIPSYNC_BENCH_BUILD_DIR (default build-release).
EOF
}

MINUTES=3
MAX_MINUTES=30
RATE=150
BUILD=1
KEEP=0
while (($#)); do
  case "$1" in
    --minutes) MINUTES=${2:-}; shift ;;
    --minutes=*) MINUTES=${1#*=} ;;
    --rate) RATE=${2:-}; shift ;;
    --rate=*) RATE=${1#*=} ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ! [[ "$MINUTES" =~ ^[0-9]+$ ]] || ((MINUTES < 1 || MINUTES > MAX_MINUTES)); then
  echo "soak.sh: --minutes must be an integer in [1, $MAX_MINUTES]" >&2
  exit 2
fi
if ! [[ "$RATE" =~ ^[0-9]+$ ]] || ((RATE < 1 || RATE > 1000)); then
  echo "soak.sh: --rate must be an integer in [1, 1000]" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${LIPSYNC_BENCH_BUILD_DIR:-$ROOT/build-release}"
PY=/usr/bin/python3 # Debian's, stdlib only
SIM_BIN="$BUILD_DIR/sim/kling-sim"
GW_BIN="$BUILD_DIR/service/lipsync-gateway"
LOADGEN="$BUILD_DIR/bench/loadgen/lipsync-loadgen"
REPORT_PY="$ROOT/bench/loadgen/soak_report.py"
API_KEY=sim-key

WARMUP_S=30
SOAK_S=$((MINUTES * 60))
TAIL_S=20
PRIME_HUGE=6 # 16 MB answers before the baseline (allocator priming)
SAMPLE_EVERY_S=5
CALL_TIMEOUT=5s
BREAKER_COOL_DOWN_S=5 # the gateway's default --breaker_cool_down
# The sim records every /v1/ request so that the duplicate check sees every
# create POST: room for all of them (watch polls included), twice over.
SIM_RECORD=$((RATE * (WARMUP_S + SOAK_S + TAIL_S) * 2 + 20000))

# The gateway's command line, but for the port file and the upstream URL
# (known only at start). One place: when the gateway requires --plaintext
# for a non-TLS listener, add it here.
#   --idempotency_cache_size / --session_cache_size: caps small enough that
#   the caches reach them during the warm-up, so RSS after the warm-up shows
#   leaks, not caches filling up (at the defaults, 100,000 entries each,
#   they would grow through a whole 3-minute run).
#   --log_level=warning: no access log (the breaker's transitions are
#   warnings and stay).
GATEWAY_ARGS=(
  --listen=127.0.0.1:0
  --allow_insecure_upstream
  --plaintext
  --log_level=warning
  --idempotency_cache_size=2000
  --session_cache_size=500
)
SIM_ARGS=(
  --listen=127.0.0.1:0
  --api_key="$API_KEY"
  --threads=512
  --processing_after_ms=1000
  --finish_after_ms=3000
  --max_recorded_requests="$SIM_RECORD"
)
# The load: the same in every phase.
LOAD_ARGS=(
  --mode=soak
  --rate="$RATE"
  --max_in_flight=256
  --max_watches=16
  --channels=4
  --call_timeout="$CALL_TIMEOUT"
  --watch_timeout=30s
  --report_every=30s
)

RUN_ID="$(date +%s)-$$"
WORK="$(mktemp -d /tmp/lipsync-soak.XXXXXX)"
BG_PIDS=()
SIM_PID=""
GW_PID=""

log() { printf '[soak %s] %s\n' "$(date +%T)" "$*" >&2; }

# cleanup, build, wait_port_file: shared with the other bench script.
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup ----

install_tools() {
  if [[ -x "$ROOT/scripts/setup.sh" ]]; then "$ROOT/scripts/setup.sh" >&2; fi
}


start_sim() {
  "$SIM_BIN" "${SIM_ARGS[@]}" --port_file="$WORK/sim.port" \
    >"$WORK/sim.log" 2>&1 &
  SIM_PID=$!
  BG_PIDS+=("$SIM_PID")
  SIM_PORT="$(wait_port_file "$WORK/sim.port" "$SIM_PID")"
  SIM_URL="http://127.0.0.1:$SIM_PORT"
}

start_gateway() {
  KLING_API_KEY="$API_KEY" "$GW_BIN" "${GATEWAY_ARGS[@]}" \
    --port_file="$WORK/gw.port" --upstream_base_url="$SIM_URL" \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  BG_PIDS+=("$GW_PID")
  GW_PORT="$(wait_port_file "$WORK/gw.port" "$GW_PID")"
}

# ------------------------------------------------------------- sampling ----

# sample PID: "unix_s rss_kb hwm_kb fds threads up down other" of the
# process: fds split into TCP connections to the sim (up: libcurl's pool),
# TCP sockets on the gateway's port (down: the listener and gRPC callers),
# and everything else (files, pipes, eventfds, epoll, timers: other).
sample() {
  local pid=$1 key value _ rss=0 hwm=0 threads=0 fds=0 link inodes=""
  while read -r key value _; do
    case "$key" in
      VmRSS:) rss=$value ;;
      VmHWM:) hwm=$value ;;
      Threads:) threads=$value ;;
    esac
  done <"/proc/$pid/status"
  for link in "/proc/$pid/fd/"*; do
    link="$(readlink "$link" 2>/dev/null)" || continue
    fds=$((fds + 1))
    [[ "$link" == socket:\[*\] ]] && inodes+="${link:8:-1} "
  done
  # /proc/net/tcp: local and remote address as hex ip:port, inode column 10.
  read -r up down < <(cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" 2>/dev/null |
    awk -v inodes="$inodes" -v sim="$(printf '%04X' "$SIM_PORT")" \
      -v gw="$(printf '%04X' "$GW_PORT")" '
      BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
      NR > 0 && ($10 in want) {
        split($2, l, ":"); split($3, r, ":")
        if (r[2] == sim) up++; else if (l[2] == gw) down++
      }
      END { print up + 0, down + 0 }')
  echo "$(date +%s) $rss $hwm $fds $threads $up $down $((fds - up - down))"
}

# Samples the gateway every SAMPLE_EVERY_S into FILE until stopped; bounded
# to the soak's length plus 10 minutes.
start_sampler() {
  local file=$1 max=$(((SOAK_S + 600) / SAMPLE_EVERY_S)) i
  (
    for ((i = 0; i < max; i++)); do
      [[ -e "$WORK/stop-sampler" ]] && break
      kill -0 "$GW_PID" 2>/dev/null || break
      sample "$GW_PID" >>"$file" || break
      sleep "$SAMPLE_EVERY_S"
    done
  ) &
  SAMPLER_PID=$!
  BG_PIDS+=("$SAMPLER_PID")
}

# ---------------------------------------------------------------- faults ----

sim_post() { curl -sS --max-time 5 -X POST -d "$2" "$SIM_URL$1" >/dev/null; }
sim_delete() { curl -sS --max-time 5 -X DELETE "$SIM_URL$1" >/dev/null; }

# One fault per line: "label|spec". Each spec hits `count` matching upstream
# requests (the sim's queue is FIFO and matches the oldest spec first).
CREATE='"method":"POST","path_prefix":"/v1/videos/advanced-lip-sync"'
IDENTIFY='"method":"POST","path_prefix":"/v1/videos/identify-face"'
READ='"method":"GET","path_prefix":"/v1/videos/advanced-lip-sync"'
ANY='"method":"","path_prefix":""'
FAULTS=(
  "create 500/5000|{$CREATE,\"fault\":\"error\",\"http_status\":500,\"code\":5000,\"count\":3}"
  "read 503/5001|{$READ,\"fault\":\"error\",\"http_status\":503,\"code\":5001,\"count\":4}"
  "create 429 Retry-After 1|{$CREATE,\"fault\":\"rate_limit\",\"retry_after_s\":1,\"count\":3}"
  "read 429 Retry-After 1|{$READ,\"fault\":\"rate_limit\",\"retry_after_s\":1,\"count\":3}"
  "create reset|{$CREATE,\"fault\":\"reset\",\"count\":3}"
  "read reset|{$READ,\"fault\":\"reset\",\"count\":3}"
  "any malformed JSON|{$ANY,\"fault\":\"malformed_json\",\"count\":4}"
  "any truncated JSON|{$ANY,\"fault\":\"truncated_json\",\"count\":3}"
  "any empty body|{$ANY,\"fault\":\"empty_body\",\"count\":2}"
  "any {}|{$ANY,\"fault\":\"empty_object\",\"count\":2}"
  "create code 1303 in 200|{$CREATE,\"fault\":\"code_in_200\",\"code\":1303,\"count\":2}"
  "identify 504/5002|{$IDENTIFY,\"fault\":\"error\",\"http_status\":504,\"code\":5002,\"count\":2}"
  "any +1.5 s latency|{$ANY,\"fault\":\"latency\",\"ms\":1500,\"count\":10}"
  "any slow drip 30 ms/byte|{$ANY,\"fault\":\"slow_drip\",\"interval_ms\":30,\"count\":2}"
  "any hang (8 s max)|{$ANY,\"fault\":\"hang\",\"hang_max_ms\":8000,\"count\":2}"
  "read 16 MB answer|{$READ,\"fault\":\"huge\",\"bytes\":16777216,\"count\":1}"
  "any 5xx burst (opens the breaker)|{$ANY,\"fault\":\"error\",\"http_status\":500,\"code\":5000,\"count\":8}"
)

# Injects the faults one after the other until `until` (unix s): each is
# queued, given up to 10 s to be used up, cleared, then 4 s of quiet (10 s
# after the breaker burst: its cool-down and the probe). Bounded in count
# too. One line per injection in FILE.
fault_cycler() {
  local until=$1 file=$2 i=0 max_rounds=$(((SOAK_S / 60 + 1) * 10)) entry label spec j left
  while (($(date +%s) < until && i < max_rounds * ${#FAULTS[@]})); do
    entry=${FAULTS[$((i % ${#FAULTS[@]}))]}
    label=${entry%%|*}
    spec=${entry#*|}
    if sim_post /_sim/faults "$spec"; then
      for ((j = 0; j < 50; j++)); do
        left="$(curl -sS --max-time 5 "$SIM_URL/_sim/faults" 2>/dev/null || echo '?')"
        [[ "$left" == "[]" ]] && break
        sleep 0.2
      done
      sim_delete /_sim/faults || true
      echo "$(date +%s) $label ${left:0:2}" >>"$file"
    fi
    case "$label" in
      *breaker*) sleep $((BREAKER_COOL_DOWN_S + 5)) ;;
      *) sleep 4 ;;
    esac
    i=$((i + 1))
  done
}

# ------------------------------------------------------------ load phases --

# run_load PHASE SECONDS [loadgen flags]: the load for SECONDS (later flags
# override LOAD_ARGS); its JSON line into PHASE.json.
run_load() {
  local phase=$1 secs=$2 rc=0
  shift 2
  log "$phase: ${secs}s of load $*"
  timeout $((secs + 120)) "$LOADGEN" --target="127.0.0.1:$GW_PORT" \
    "${LOAD_ARGS[@]}" --duration="${secs}s" --label="$phase" \
    --key_prefix="soak-$RUN_ID-$phase" "$@" \
    >"$WORK/$phase.json" 2>"$WORK/$phase.err" || rc=$?
  sed 's/^/    /' "$WORK/$phase.err" >&2
  echo "$rc" >"$WORK/$phase.rc"
}

health() {
  "$LOADGEN" --mode=health --target="127.0.0.1:$GW_PORT" 2>/dev/null |
    tail -1 || true
}

# ------------------------------------------------------------------ main ---

install_tools
((BUILD)) && build
for bin in "$SIM_BIN" "$GW_BIN" "$LOADGEN"; do
  [[ -x "$bin" ]] || { log "missing $bin (run without --no-build)"; exit 1; }
done
load0="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load0" 'BEGIN { exit !(l > 1.0) }'; then
  log "WARNING: load average $load0: other work shares the 2 cores"
fi

start_sim
start_gateway
log "kling-sim on $SIM_URL (pid $SIM_PID), lipsync-gateway on 127.0.0.1:$GW_PORT (pid $GW_PID)"
sample "$GW_PID" >"$WORK/idle0.sample"

run_load warmup "$WARMUP_S"
# Allocator priming: the first 16 MB answer raises glibc's dynamic mmap
# threshold, later ones leave their buffers in the arena of the libcurl
# thread that read them (~24 MiB each, once per arena; measured). Done
# before the baseline so that the soak's RSS growth shows leaks, not that.
sim_post /_sim/faults "{$READ,\"fault\":\"huge\",\"bytes\":16777216,\"count\":$PRIME_HUGE}"
run_load prime 3 --mix=list:1 --rate=5
sim_delete /_sim/faults || true
sleep 3
sample "$GW_PID" >"$WORK/start.sample"
log "baseline (after warm-up, idle): $(cat "$WORK/start.sample")"

start_sampler "$WORK/samples"
soak_until=$(($(date +%s) + SOAK_S))
fault_cycler "$soak_until" "$WORK/faults.log" &
CYCLER_PID=$!
BG_PIDS+=("$CYCLER_PID")
run_load soak "$SOAK_S"
# The cycler stops by itself at soak_until (its last step: <= 20 s later).
wait "$CYCLER_PID" 2>/dev/null || true
sim_delete /_sim/faults || true
log "faults injected: $(wc -l <"$WORK/faults.log" 2>/dev/null || echo 0)"
# Let an open breaker cool down before the fault-free tail.
sleep $((BREAKER_COOL_DOWN_S + 2))
run_load tail "$TAIL_S"
touch "$WORK/stop-sampler"
wait "$SAMPLER_PID" 2>/dev/null || true
sleep 5
sample "$GW_PID" >"$WORK/end.sample"
health >"$WORK/health.json"
log "end (idle): $(cat "$WORK/end.sample"); health: $(cat "$WORK/health.json")"

curl -sS --max-time 30 "$SIM_URL/_sim/stats" >"$WORK/sim-stats.json" || echo '{}' >"$WORK/sim-stats.json"
curl -sS --max-time 120 \
  "$SIM_URL/_sim/requests?path_prefix=/v1/videos/advanced-lip-sync" \
  >"$WORK/sim-requests.json" || echo '[]' >"$WORK/sim-requests.json"
grep -c 'circuit breaker' "$WORK/gateway.log" >"$WORK/breaker-lines" || true
kill -0 "$GW_PID" 2>/dev/null && echo alive >"$WORK/gw-alive" || echo dead >"$WORK/gw-alive"
load1="$(cut -d' ' -f1 /proc/loadavg)"

rc=0
"$PY" "$REPORT_PY" --work="$WORK" --minutes="$MINUTES" --rate="$RATE" \
  --loadavg="$load0,$load1" --markdown="$BUILD_DIR/soak-table.md" \
  --json="$BUILD_DIR/soak-results.json" || rc=$?
log "markdown table: $BUILD_DIR/soak-table.md; raw: $BUILD_DIR/soak-results.json"
exit "$rc"

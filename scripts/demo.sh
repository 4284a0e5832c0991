#!/usr/bin/env bash
# One command: install dependencies (Debian 12), build, start kling-sim (the
# bundled upstream stand-in) and lipsync-gateway on free loopback ports, and
# run the whole workflow through lipsync-cli: identify -> create -> watch.
#
#   scripts/demo.sh --replicas=2   instead: redis-server and two gateways that
#                                  share it; identify on one, create on the
#                                  other (checked against the session), and
#                                  one idempotency key sent to both.
set -euo pipefail
cd "$(dirname "$0")/.."
replicas=1
for arg in "$@"; do
  case "$arg" in
    --replicas=1 | --replicas=2) replicas=${arg#--replicas=} ;;
    *) echo "usage: scripts/demo.sh [--replicas=1|2]" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
scripts/build.sh lipsync-gateway kling-sim lipsync-cli
BIN=${BUILD_DIR:-build}
work=$(mktemp -d /tmp/lipsync-demo.XXXXXX)
cleanup() {
  kill "${gateway_pid:-}" "${gateway2_pid:-}" "${sim_pid:-}" "${redis_pid:-}" \
    2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_file() {
  for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
  echo "demo: $1 never appeared" >&2; exit 1
}

api_key="demo-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$BIN"/sim/kling-sim --listen=127.0.0.1:0 --port_file="$work/sim.port" \
  --api_key="$api_key" --processing_after_ms=1000 --finish_after_ms=3000 \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
wait_for_file "$work/sim.port"
echo "kling-sim on 127.0.0.1:$(cat "$work/sim.port")"

# start_gateway N [FLAG...]: gateway N on a free loopback port; its port in
# $work/gatewayN.port, its log in $work/gatewayN.log.
start_gateway() {
  local n=$1
  shift
  KLING_API_KEY="$api_key" "$BIN"/service/lipsync-gateway --listen=127.0.0.1:0 \
    --port_file="$work/gateway$n.port" \
    --upstream_base_url="http://127.0.0.1:$(cat "$work/sim.port")" \
    --allow_insecure_upstream --plaintext "$@" >"$work/gateway$n.log" 2>&1 &
  wait_for_file "$work/gateway$n.port"
}

if [ "$replicas" = 2 ]; then
  # One redis-server on a Unix socket of the demo's own, with a password.
  export LIPSYNC_REDIS_PASSWORD="demo-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  redis-server --port 0 --unixsocket "$work/redis.sock" --save '' \
    --appendonly no --requirepass "$LIPSYNC_REDIS_PASSWORD" \
    >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 200); do [ -S "$work/redis.sock" ] && break; sleep 0.05; done
  start_gateway 1 --redis_url="unix://$work/redis.sock"
  gateway_pid=$!
  start_gateway 2 --redis_url="unix://$work/redis.sock"
  gateway2_pid=$!
  replica1="127.0.0.1:$(cat "$work/gateway1.port")"
  replica2="127.0.0.1:$(cat "$work/gateway2.port")"
  echo "redis-server on $work/redis.sock; lipsync-gateway replicas on $replica1 and $replica2"
else
  start_gateway 1 --metrics_listen=127.0.0.1:0 \
    --metrics_port_file="$work/metrics.port"
  gateway_pid=$!
  export LIPSYNC_TARGET="127.0.0.1:$(cat "$work/gateway1.port")"
  echo "lipsync-gateway on $LIPSYNC_TARGET"
fi

# A 3-second 16 kHz mono WAV (silence), written by hand: RIFF header + data.
python3 - "$work/speech.wav" <<'PY'
import struct, sys
rate, seconds = 16000, 3
data = b"\0\0" * rate * seconds
header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + \
    struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + \
    struct.pack("<I", len(data))
open(sys.argv[1], "wb").write(header + data)
PY

cli="$BIN/client/lipsync-cli"
if [ "$replicas" = 2 ]; then
  echo
  echo "== identify on replica 1 =="
  "$cli" identify --target="$replica1" --json \
    --video_url=https://example.com/demo-clip.mp4 | tee "$work/identify.json"
  read -r session face start end < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
f = r["face_data"][0]
print(r["session_id"], f["face_id"], f.get("start_time", 0), f["end_time"])' "$work/identify.json")
  echo
  echo "== create on replica 2, overlapping the face by 1999 ms: refused there =="
  echo "   (replica 2 never saw the identify: it reads the session from Redis)"
  "$cli" create --target="$replica2" --session_id="$session" --face_id="$face" \
    --audio_file="$work/speech.wav" --sound_end_time=3000 \
    --sound_insert_time=$((end - 1999)) || echo "(exit code $?)"
  echo
  echo "== one idempotency key, sent to replica 1 and then to replica 2: one task =="
  for target in "$replica1" "$replica2"; do
    "$cli" create --target="$target" --session_id="$session" --face_id="$face" \
      --audio_file="$work/speech.wav" --sound_end_time=3000 \
      --sound_insert_time="$start" --request_id=demo-key-1
  done
  echo
  echo "== access logs (session_checked=shared on replica 2) =="
  cat "$work/gateway1.log" "$work/gateway2.log" | grep '"msg":"rpc"'
  echo
  echo "== the sim's counts (one create reached it) =="
  curl -fsS "http://127.0.0.1:$(cat "$work/sim.port")/_sim/stats"
  echo
  exit 0
fi
echo
echo "== lipsync-cli run: identify -> create -> watch =="
"$cli" run --video_url=https://example.com/demo-clip.mp4 \
  --audio_file="$work/speech.wav" --sound_end_time=3000 --watch_timeout=60s
echo
echo "== lipsync-cli create with the upstream's own example values =="
"$cli" create --session_id=825465778199224380 --face_id=-1 \
  --audio_id=825451760499568680 --sound_end_time=5000 --sound_insert_time=1000
echo
echo "== a request that breaks three rules (nothing reaches the upstream) =="
"$cli" create --session_id=825465778199224380 --face_id=-1 \
  --audio_id=825451760499568680 --sound_start_time=1000 --sound_end_time=2500 \
  --sound_volume=3 --callback_url=ftp://example.com/hook || echo "(exit code $?)"
echo
echo "== gateway access log =="
cat "$work/gateway1.log"
echo
echo "== Prometheus metrics (excerpt of GET /metrics) =="
curl -fsS "http://127.0.0.1:$(cat "$work/metrics.port")/metrics" |
  grep -E '^(grpc_server_handled_total|lipsync_upstream_requests_total)' |
  grep -v ' 0$' || true

#!/usr/bin/env bash
# One command: install dependencies (Debian 12), build, start kling-sim (the
# bundled upstream stand-in) and lipsync-gateway on free loopback ports, and
# run the whole workflow through lipsync-cli: identify -> create -> watch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh lipsync-gateway kling-sim lipsync-cli
BIN=${BUILD_DIR:-build}
work=$(mktemp -d /tmp/lipsync-demo.XXXXXX)
cleanup() {
  kill "${gateway_pid:-}" "${sim_pid:-}" 2>/dev/null || true
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

KLING_API_KEY="$api_key" "$BIN"/service/lipsync-gateway --listen=127.0.0.1:0 \
  --port_file="$work/gateway.port" \
  --upstream_base_url="http://127.0.0.1:$(cat "$work/sim.port")" \
  --allow_insecure_upstream --plaintext \
  --metrics_listen=127.0.0.1:0 --metrics_port_file="$work/metrics.port" \
  >"$work/gateway.log" 2>&1 &
gateway_pid=$!
wait_for_file "$work/gateway.port"
export LIPSYNC_TARGET="127.0.0.1:$(cat "$work/gateway.port")"
echo "lipsync-gateway on $LIPSYNC_TARGET"

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
cat "$work/gateway.log"
echo
echo "== Prometheus metrics (excerpt of GET /metrics) =="
curl -fsS "http://127.0.0.1:$(cat "$work/metrics.port")/metrics" |
  grep -E '^(grpc_server_handled_total|lipsync_upstream_requests_total)' |
  grep -v ' 0$' || true

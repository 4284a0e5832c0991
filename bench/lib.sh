# Functions shared by bench/run.sh and bench/soak.sh. Sourced after they
# define ROOT, BUILD_DIR, WORK, KEEP, BG_PIDS and log().

# Ends every process the script started (by pid), then removes the work dir.
cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((KEEP)); then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}

build() {
  log "building Release into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DLIPSYNC_BUILD_TESTS=OFF >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; exit 1; }
  cmake --build "$BUILD_DIR" -j2 \
    --target lipsync-gateway kling-sim lipsync-loadgen \
    lipsync-floor-server lipsync-floor-curl lipsync-bench-upstream \
    lipsync-page-fault-cost \
    >"$WORK/build.log" 2>&1 ||
    { tail -50 "$WORK/build.log" >&2; exit 1; }
}

# ------------------------------------------------------------ processes ----

# wait_port_file FILE PID: prints the port once FILE exists (20 s at most).
wait_port_file() {
  local file=$1 pid=$2 i
  for ((i = 0; i < 200; i++)); do
    if [[ -s "$file" ]]; then
      tr -d '[:space:]' <"$file"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited early"; return 1; }
    sleep 0.1
  done
  log "no port file $file after 20 s"
  return 1
}

#ifndef LIPSYNC_SIM_SIM_OPTIONS_H_
#define LIPSYNC_SIM_SIM_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace kling_sim {

// Everything kling-sim can be configured with. main.cc fills it from flags
// (and KLING_SIM_* environment variables); the rest of the code only sees
// this struct.
struct SimOptions {
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;  // 0: the kernel picks a free port.
  std::string port_file;

  // Auth: the static bearer key, and optionally the legacy JWT key pair.
  std::string api_key = "sim-key";
  std::string access_key;
  std::string secret_key;

  // Added to every /v1/ answer, in milliseconds.
  int64_t latency_ms = 0;
  // Task timeline, measured from the creation time: `submitted` until
  // processing_after_ms, `processing` until finish_after_ms, then final.
  int64_t processing_after_ms = 1000;
  int64_t finish_after_ms = 3000;

  // cpp-httplib holds one thread per open connection (also while it idles in
  // keep-alive), so this bounds the number of connections served at once.
  int threads = 256;
  int keep_alive_timeout_s = 30;

  // true: a create naming an unknown session or face is refused (1201).
  bool strict_sessions = false;
  // true: a create may reuse a taken external_task_id (a second task is
  // made); false: it is refused, as Kling's account-wide uniqueness would.
  bool accept_duplicate_external_task_id = false;

  // Memory bounds so that a long benchmark cannot exhaust the machine; the
  // oldest entries are dropped first.
  size_t max_recorded_requests = 100000;
  size_t max_tasks = 1000000;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_SIM_OPTIONS_H_

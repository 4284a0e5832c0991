#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_OPTIONS_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_OPTIONS_H_

#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace lipsync::upstream {

struct CurlEngineOptions {
  // I/O threads, each with its own libcurl multi handle and connection pool.
  // Thousands of in-flight transfers cost memory, not threads.
  int io_threads = 2;
  // Upper bound for establishing a connection (TCP + TLS); the call's
  // deadline bounds it further.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Time kept back from the caller's deadline so the gateway can still answer
  // (DEADLINE_EXCEEDED with details) before the caller gives up.
  absl::Duration deadline_margin = absl::Milliseconds(100);
  // Largest upstream answer accepted; larger ones are cut off (INTERNAL).
  std::size_t max_answer_bytes = 8 * 1024 * 1024;
  // Idle connections each I/O thread keeps for reuse.
  long max_idle_connections = 256;
  // Optional CA bundle for the upstream's TLS certificate (system default
  // otherwise).
  std::string ca_file;
  // Sent as User-Agent.
  std::string user_agent = "lipsync-gateway/0.1";
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_OPTIONS_H_

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
  // Connections each I/O thread keeps for reuse (CURLMOPT_MAXCONNECTS).
  // 0 (the default): sized to the calls in flight, see ConnectionCacheSize.
  // A fixed size below the transfers in flight closes a connection after
  // almost every call and opens a new one (a TLS handshake) for the next.
  long max_idle_connections = 0;
  // The gateway's bound on calls in flight (--max_in_flight_calls), when
  // known; 0 = unknown. Only sizes the connection cache.
  std::size_t max_in_flight_calls = 0;
  // Optional CA bundle for the upstream's TLS certificate (system default
  // otherwise).
  std::string ca_file;
  // Longest sleep of an idle I/O loop in epoll_wait. Work wakes it at
  // once (Send, cancellations) and libcurl's own timers bound it further, so
  // this only matters if a wakeup were lost; tests set it very long to prove
  // none is.
  absl::Duration idle_poll_timeout = absl::Seconds(1);
  // Sent as User-Agent.
  std::string user_agent = "lipsync-gateway/0.1";
};

// CURLMOPT_MAXCONNECTS for each I/O loop: `max_idle_connections` if set;
// else max_in_flight_calls / io_threads (rounded up) if known; else 0, which
// leaves libcurl's own rule: 4 x the transfers active on that loop.
inline long ConnectionCacheSize(const CurlEngineOptions& options) {
  if (options.max_idle_connections > 0) return options.max_idle_connections;
  if (options.max_in_flight_calls == 0) return 0;
  const std::size_t threads =
      static_cast<std::size_t>(options.io_threads < 1 ? 1 : options.io_threads);
  return static_cast<long>((options.max_in_flight_calls + threads - 1) /
                           threads);
}

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_OPTIONS_H_

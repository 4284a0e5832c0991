// Every setting of the gateway binary, typed. Filled once by main.cc from
// flags and environment variables; the rest of the code receives it.
#ifndef LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_
#define LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/resilience/circuit_breaker.h"
#include "service/resilience/retry_policy.h"
#include "service/server/lipsync_service.h"
#include "service/upstream/credentials.h"
#include "service/upstream/curl_engine_options.h"
#include "service/workflow/idempotent_create_client.h"
#include "service/workflow/session_cache.h"
#include "service/workflow/task_watch_hub.h"

namespace lipsync::server {

struct GatewayOptions {
  // host:port for gRPC; port 0 picks a free port (see port_file).
  std::string listen = "0.0.0.0:50051";
  // When set, the bound port is written there once serving (tests, scripts).
  std::string port_file;

  // Upstream base URL without the trailing slash.
  std::string upstream_base_url = "https://www.kkiai.com/kling";
  // Plain http upstreams are refused unless this is set (local stand-in).
  bool allow_insecure_upstream = false;
  // The upstream API key. Secret: never logged or printed.
  std::string api_key;
  // When set, used instead of `api_key` (e.g. the access/secret-key JWT).
  std::shared_ptr<upstream::Credentials> credentials;

  // On SIGTERM: health turns NOT_SERVING, then the gateway keeps serving for
  // `drain_delay` (so load balancers stop sending), then refuses new calls
  // and gives in-flight calls up to `shutdown_grace` to finish.
  absl::Duration drain_delay = absl::ZeroDuration();
  absl::Duration shutdown_grace = absl::Seconds(20);

  ServiceOptions service;
  upstream::CurlEngineOptions curl;
  workflow::WatchPollOptions watch;
  workflow::SessionCacheOptions sessions;
  workflow::IdempotencyOptions idempotency;
  resilience::RetryOptions retry;
  resilience::CircuitBreakerOptions breaker;
};

// OK, or INVALID_ARGUMENT naming every bad setting in one message.
absl::Status ValidateGatewayOptions(const GatewayOptions& options);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_

// Every setting of the gateway binary, typed. Filled once by main.cc from
// flags and environment variables; the rest of the code receives it.
#ifndef LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_
#define LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/resilience/circuit_breaker.h"
#include "service/resilience/retry_policy.h"
#include "service/security/caller_auth.h"
#include "service/server/lipsync_service.h"
#include "service/upstream/credentials.h"
#include "service/upstream/curl_engine_options.h"
#include "service/workflow/idempotent_create_client.h"
#include "service/workflow/session_cache.h"
#include "service/workflow/task_watch_hub.h"

namespace lipsync::server {

// State shared by the replicas (sessions) in a Redis server. No URL: none,
// every replica keeps its own in memory.
struct SharedStateOptions {
  // redis://host:port[/db] or unix:///path[?db=N], no credentials in it
  // (sharedstate::ParseRedisUrl). Empty: no shared state.
  std::string redis_url;
  // AUTH password; empty: none. Secret: never logged or printed.
  std::string password;
  // Every key starts with it.
  std::string key_prefix = "lipsync:";
  // Budget of one Redis operation; beyond it the call goes on as without
  // shared state.
  absl::Duration op_timeout = absl::Milliseconds(50);
};

struct GatewayOptions {
  // host:port for gRPC; port 0 picks a free port (see port_file).
  std::string listen = "0.0.0.0:50051";
  // When set, the bound port is written there once serving (tests, scripts).
  std::string port_file;
  // The gRPC listener's transport security (TLS, mutual TLS, or plaintext
  // when asked for); see LoadSecrets. Null: plaintext (embedders, tests).
  std::shared_ptr<grpc::ServerCredentials> server_credentials;
  // "tls", "mtls" or "plaintext", for the startup log line.
  std::string transport = "plaintext";
  // Optional second, plaintext listener serving only the health service, for
  // probes that cannot speak TLS (the kubelet's gRPC probe). Empty: none.
  std::string health_listen;
  // Caller bearer tokens; null: every caller is admitted.
  std::shared_ptr<security::TokenAuthenticator> authenticator;
  // host:port of the Prometheus /metrics listener; empty: no metrics.
  std::string metrics_listen;
  // When set, the bound metrics port is written there (tests, scripts).
  std::string metrics_port_file;

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
  SharedStateOptions shared_state;
};

// OK, or INVALID_ARGUMENT naming every bad setting in one message.
absl::Status ValidateGatewayOptions(const GatewayOptions& options);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_GATEWAY_OPTIONS_H_

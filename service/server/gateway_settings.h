// Every setting of the gateway binary, declared once. Each row of
// LIPSYNC_GATEWAY_SETTINGS names the flag, its environment variable, where
// its value lands in GatewayConfig, and its help text. The flag's type and
// default are those of that destination in a default-constructed
// GatewayConfig, so defaults live only in the option structs. main.cc
// expands the table into the flags, the environment fallback and --help;
// README's configuration table is checked against --help by a test.
#ifndef LIPSYNC_SERVICE_SERVER_GATEWAY_SETTINGS_H_
#define LIPSYNC_SERVICE_SERVER_GATEWAY_SETTINGS_H_

#include <string>

#include "service/server/gateway_options.h"
#include "service/server/load_secrets.h"

namespace lipsync::server {

// What the settings fill: the options, the sources of the secrets (loaded
// by LoadSecrets), and the log level's name (parsed by ParseLogLevel).
struct GatewayConfig {
  GatewayOptions options;
  SecretSources secrets;
  std::string log_level = "info";
};

}  // namespace lipsync::server

// X(flag, env, destination within GatewayConfig, help)
// clang-format off
#define LIPSYNC_GATEWAY_SETTINGS(X)                                                     \
  X(listen, "LIPSYNC_LISTEN", options.listen,                                           \
    "gRPC listen address host:port; port 0 picks a free one")                          \
  X(port_file, "LIPSYNC_PORT_FILE", options.port_file,                                  \
    "write the bound gRPC port to this file once serving")                             \
  X(upstream_base_url, "KLING_BASE_URL", options.upstream_base_url,                     \
    "Kling API base URL, no trailing slash (https unless allowed below)")              \
  X(allow_insecure_upstream, "LIPSYNC_ALLOW_INSECURE_UPSTREAM",                         \
    options.allow_insecure_upstream,                                                    \
    "allow a plain-http upstream (local stand-in only)")                               \
  X(plaintext, "LIPSYNC_PLAINTEXT", secrets.plaintext,                                  \
    "serve gRPC without TLS (required when no certificate is given)")                  \
  X(tls_cert_file, "LIPSYNC_TLS_CERT_FILE", secrets.tls.cert_file,                      \
    "PEM certificate chain of the gRPC listener")                                      \
  X(tls_key_file, "LIPSYNC_TLS_KEY_FILE", secrets.tls.key_file,                         \
    "PEM private key of that certificate")                                             \
  X(tls_client_ca_file, "LIPSYNC_TLS_CLIENT_CA_FILE", secrets.tls.client_ca_file,       \
    "PEM CA bundle: when set, callers must present a client certificate it "           \
    "signed (mutual TLS)")                                                              \
  X(health_listen, "LIPSYNC_HEALTH_LISTEN", options.health_listen,                      \
    "extra plaintext host:port serving only grpc.health.v1, for probes that "          \
    "cannot speak TLS; empty: none")                                                    \
  X(auth_tokens_file, "LIPSYNC_AUTH_TOKENS_FILE", secrets.auth_tokens_file,             \
    "caller bearer tokens, one `name:token` per line (token >= 16 bytes; SIGHUP "      \
    "reloads); empty: no caller authentication")                                        \
  X(metrics_listen, "LIPSYNC_METRICS_LISTEN", options.metrics_listen,                   \
    "host:port of the Prometheus /metrics listener; empty: none")                      \
  X(metrics_port_file, "LIPSYNC_METRICS_PORT_FILE", options.metrics_port_file,          \
    "write the bound metrics port to this file")                                       \
  X(api_key_file, "KLING_API_KEY_FILE", secrets.api_key_file,                           \
    "file holding the Kling API key (else env KLING_API_KEY)")                         \
  X(access_key_file, "KLING_ACCESS_KEY_FILE", secrets.access_key_file,                  \
    "JWT mode: file holding the Kling access key (else env KLING_ACCESS_KEY)")         \
  X(secret_key_file, "KLING_SECRET_KEY_FILE", secrets.secret_key_file,                  \
    "JWT mode: file holding the Kling secret key (else env KLING_SECRET_KEY); "        \
    "HS256 tokens are minted, cached, renewed 5 min before expiry")                    \
  X(default_timeout, "LIPSYNC_DEFAULT_TIMEOUT", options.service.default_call_timeout,   \
    "deadline for calls that arrive without one")                                      \
  X(max_timeout, "LIPSYNC_MAX_TIMEOUT", options.service.max_call_timeout,               \
    "longest deadline honoured for a unary call")                                      \
  X(connect_timeout, "LIPSYNC_CONNECT_TIMEOUT", options.curl.connect_timeout,           \
    "upstream TCP+TLS connect timeout")                                                \
  X(io_threads, "LIPSYNC_IO_THREADS", options.curl.io_threads,                          \
    "upstream I/O threads (libcurl multi loops)")                                      \
  X(max_in_flight_calls, "LIPSYNC_MAX_IN_FLIGHT_CALLS",                                 \
    options.service.admission.max_in_flight_calls,                                      \
    "calls served at once; beyond: RESOURCE_EXHAUSTED")                                \
  X(max_audio_bytes_in_flight, "LIPSYNC_MAX_AUDIO_BYTES_IN_FLIGHT",                     \
    options.service.admission.max_audio_bytes_in_flight,                                \
    "audio bytes held by calls in flight; beyond: RESOURCE_EXHAUSTED")                 \
  X(max_watch_streams, "LIPSYNC_MAX_WATCH_STREAMS", options.service.max_watch_streams,  \
    "watch streams open at once; beyond: RESOURCE_EXHAUSTED")                          \
  X(max_watch_duration, "LIPSYNC_MAX_WATCH_DURATION",                                   \
    options.service.max_watch_duration, "longest watch stream (callers re-open)")      \
  X(watch_poll_initial, "LIPSYNC_WATCH_POLL_INITIAL", options.watch.initial_interval,   \
    "watch: delay before the second upstream poll of a task")                          \
  X(watch_poll_max, "LIPSYNC_WATCH_POLL_MAX", options.watch.max_interval,               \
    "watch: longest delay between polls of a task")                                    \
  X(session_cache_size, "LIPSYNC_SESSION_CACHE_SIZE", options.sessions.max_sessions,    \
    "IdentifyFace sessions remembered for create checks")                              \
  X(session_ttl, "LIPSYNC_SESSION_TTL", options.sessions.ttl,                           \
    "how long a session is remembered (Kling sessions live 24 h)")                     \
  X(idempotency_cache_size, "LIPSYNC_IDEMPOTENCY_CACHE_SIZE",                           \
    options.idempotency.max_entries, "create outcomes remembered per idempotency key") \
  X(idempotency_ttl, "LIPSYNC_IDEMPOTENCY_TTL", options.idempotency.ttl,                \
    "how long a create outcome is remembered")                                         \
  X(redis_url, "LIPSYNC_REDIS_URL", options.shared_state.redis_url,                    \
    "Redis shared by the replicas (sessions, idempotency keys, watch pollers): " \
    "redis://host:port[/db] or "                                                      \
    "unix:///path, no credentials in it; empty: each replica keeps its own")          \
  X(redis_password_file, "LIPSYNC_REDIS_PASSWORD_FILE", secrets.redis_password_file,  \
    "file holding the Redis password (else env LIPSYNC_REDIS_PASSWORD)")               \
  X(redis_key_prefix, "LIPSYNC_REDIS_KEY_PREFIX", options.shared_state.key_prefix,     \
    "prefix of every Redis key of this gateway")                                       \
  X(redis_op_timeout, "LIPSYNC_REDIS_OP_TIMEOUT", options.shared_state.op_timeout,     \
    "budget of one Redis operation; beyond, the call goes on without shared state")    \
  X(retry_max_attempts, "LIPSYNC_RETRY_MAX_ATTEMPTS", options.retry.max_attempts,       \
    "attempts per upstream read (billed calls only when provably unsent)")             \
  X(retry_budget_ratio, "LIPSYNC_RETRY_BUDGET_RATIO", options.retry.budget_ratio,       \
    "retries allowed per upstream request over a 10 s window")                         \
  X(breaker_failure_threshold, "LIPSYNC_BREAKER_FAILURE_THRESHOLD",                     \
    options.breaker.failure_threshold,                                                  \
    "consecutive upstream failures that open the circuit breaker")                     \
  X(breaker_cool_down, "LIPSYNC_BREAKER_COOL_DOWN", options.breaker.cool_down,          \
    "how long an open breaker fails fast before one probe")                            \
  X(drain_delay, "LIPSYNC_DRAIN_DELAY", options.drain_delay,                            \
    "after SIGTERM, keep serving this long with health NOT_SERVING")                   \
  X(shutdown_grace, "LIPSYNC_SHUTDOWN_GRACE", options.shutdown_grace,                   \
    "then give in-flight calls this long to finish")                                   \
  X(log_level, "LIPSYNC_LOG_LEVEL", log_level,                                          \
    "debug | info | warning | error (JSON lines on stderr)")
// clang-format on

#endif  // LIPSYNC_SERVICE_SERVER_GATEWAY_SETTINGS_H_

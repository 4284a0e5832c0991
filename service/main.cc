// lipsync-gateway: parses flags (each with an environment fallback), builds
// GatewayOptions, and runs the server. Nothing else lives here.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/common/json_log.h"
#include "service/common/process_tuning.h"
#include "service/server/gateway_options.h"
#include "service/server/load_secrets.h"
#include "service/server/run_server.h"

ABSL_FLAG(
    std::string, listen, "0.0.0.0:50051",
    "gRPC listen address host:port; port 0 picks a free one [LIPSYNC_LISTEN]");
ABSL_FLAG(
    std::string, port_file, "",
    "write the bound gRPC port to this file once serving [LIPSYNC_PORT_FILE]");
ABSL_FLAG(std::string, upstream_base_url, "https://www.kkiai.com/kling",
          "Kling API base URL, no trailing slash [KLING_BASE_URL]");
ABSL_FLAG(bool, allow_insecure_upstream, false,
          "allow a plain-http upstream (local stand-in only) "
          "[LIPSYNC_ALLOW_INSECURE_UPSTREAM]");
ABSL_FLAG(bool, plaintext, false,
          "serve gRPC without TLS (required when no certificate is given) "
          "[LIPSYNC_PLAINTEXT]");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of the gRPC listener [LIPSYNC_TLS_CERT_FILE]");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of that certificate [LIPSYNC_TLS_KEY_FILE]");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: when set, callers must present a client "
          "certificate it signed (mutual TLS) [LIPSYNC_TLS_CLIENT_CA_FILE]");
ABSL_FLAG(std::string, health_listen, "",
          "extra plaintext host:port serving only grpc.health.v1, for probes "
          "that cannot speak TLS; empty: none [LIPSYNC_HEALTH_LISTEN]");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "caller bearer tokens, one `name:token` per line (SIGHUP reloads); "
          "empty: no caller authentication [LIPSYNC_AUTH_TOKENS_FILE]");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus /metrics listener; empty: none "
          "[LIPSYNC_METRICS_LISTEN]");
ABSL_FLAG(
    std::string, metrics_port_file, "",
    "write the bound metrics port to this file [LIPSYNC_METRICS_PORT_FILE]");
ABSL_FLAG(std::string, api_key_file, "",
          "file holding the Kling API key (else env KLING_API_KEY) "
          "[KLING_API_KEY_FILE]");
ABSL_FLAG(std::string, access_key_file, "",
          "JWT mode: file holding the Kling access key (else env "
          "KLING_ACCESS_KEY) [KLING_ACCESS_KEY_FILE]");
ABSL_FLAG(std::string, secret_key_file, "",
          "JWT mode: file holding the Kling secret key (else env "
          "KLING_SECRET_KEY) [KLING_SECRET_KEY_FILE]");
ABSL_FLAG(
    absl::Duration, default_timeout, absl::Seconds(30),
    "deadline for calls that arrive without one [LIPSYNC_DEFAULT_TIMEOUT]");
ABSL_FLAG(absl::Duration, max_timeout, absl::Minutes(2),
          "longest deadline honoured for a unary call [LIPSYNC_MAX_TIMEOUT]");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(5),
          "upstream TCP+TLS connect timeout [LIPSYNC_CONNECT_TIMEOUT]");
ABSL_FLAG(int, io_threads, 2,
          "upstream I/O threads (libcurl multi loops) [LIPSYNC_IO_THREADS]");
ABSL_FLAG(int64_t, max_in_flight_calls, 4096,
          "calls served at once; beyond: RESOURCE_EXHAUSTED "
          "[LIPSYNC_MAX_IN_FLIGHT_CALLS]");
ABSL_FLAG(int64_t, max_audio_bytes_in_flight, 512 << 20,
          "audio bytes held by calls in flight; beyond: RESOURCE_EXHAUSTED "
          "[LIPSYNC_MAX_AUDIO_BYTES_IN_FLIGHT]");
ABSL_FLAG(absl::Duration, drain_delay, absl::ZeroDuration(),
          "after SIGTERM, keep serving this long with health NOT_SERVING "
          "[LIPSYNC_DRAIN_DELAY]");
ABSL_FLAG(
    absl::Duration, shutdown_grace, absl::Seconds(20),
    "then give in-flight calls this long to finish [LIPSYNC_SHUTDOWN_GRACE]");
ABSL_FLAG(absl::Duration, watch_poll_initial, absl::Seconds(1),
          "watch: delay before the second upstream poll of a task "
          "[LIPSYNC_WATCH_POLL_INITIAL]");
ABSL_FLAG(
    absl::Duration, watch_poll_max, absl::Seconds(10),
    "watch: longest delay between polls of a task [LIPSYNC_WATCH_POLL_MAX]");
ABSL_FLAG(int64_t, max_watch_streams, 20000,
          "watch streams open at once; beyond: RESOURCE_EXHAUSTED "
          "[LIPSYNC_MAX_WATCH_STREAMS]");
ABSL_FLAG(
    absl::Duration, max_watch_duration, absl::Hours(1),
    "longest watch stream (callers re-open) [LIPSYNC_MAX_WATCH_DURATION]");
ABSL_FLAG(int64_t, session_cache_size, 100000,
          "IdentifyFace sessions remembered for create checks "
          "[LIPSYNC_SESSION_CACHE_SIZE]");
ABSL_FLAG(absl::Duration, session_ttl, absl::Hours(24),
          "how long a session is remembered [LIPSYNC_SESSION_TTL]");
ABSL_FLAG(int64_t, idempotency_cache_size, 100000,
          "create outcomes remembered per idempotency key "
          "[LIPSYNC_IDEMPOTENCY_CACHE_SIZE]");
ABSL_FLAG(absl::Duration, idempotency_ttl, absl::Hours(24),
          "how long a create outcome is remembered [LIPSYNC_IDEMPOTENCY_TTL]");
ABSL_FLAG(int, retry_max_attempts, 3,
          "attempts per upstream read (billed calls only when provably unsent) "
          "[LIPSYNC_RETRY_MAX_ATTEMPTS]");
ABSL_FLAG(double, retry_budget_ratio, 0.1,
          "retries allowed per upstream request over a 10 s window "
          "[LIPSYNC_RETRY_BUDGET_RATIO]");
ABSL_FLAG(int, breaker_failure_threshold, 5,
          "consecutive upstream failures that open the circuit breaker "
          "[LIPSYNC_BREAKER_FAILURE_THRESHOLD]");
ABSL_FLAG(absl::Duration, breaker_cool_down, absl::Seconds(5),
          "how long an open breaker fails fast before one probe "
          "[LIPSYNC_BREAKER_COOL_DOWN]");
ABSL_FLAG(std::string, log_level, "info",
          "debug | info | warning | error [LIPSYNC_LOG_LEVEL]");

namespace {

// Environment fallbacks: applied before the command line is parsed, so a
// flag given on the command line wins over its variable.
struct EnvFlag {
  const char* flag;
  const char* env;
};
constexpr EnvFlag kEnvFlags[] = {
    {"listen", "LIPSYNC_LISTEN"},
    {"port_file", "LIPSYNC_PORT_FILE"},
    {"upstream_base_url", "KLING_BASE_URL"},
    {"allow_insecure_upstream", "LIPSYNC_ALLOW_INSECURE_UPSTREAM"},
    {"plaintext", "LIPSYNC_PLAINTEXT"},
    {"tls_cert_file", "LIPSYNC_TLS_CERT_FILE"},
    {"tls_key_file", "LIPSYNC_TLS_KEY_FILE"},
    {"tls_client_ca_file", "LIPSYNC_TLS_CLIENT_CA_FILE"},
    {"health_listen", "LIPSYNC_HEALTH_LISTEN"},
    {"auth_tokens_file", "LIPSYNC_AUTH_TOKENS_FILE"},
    {"metrics_listen", "LIPSYNC_METRICS_LISTEN"},
    {"metrics_port_file", "LIPSYNC_METRICS_PORT_FILE"},
    {"api_key_file", "KLING_API_KEY_FILE"},
    {"access_key_file", "KLING_ACCESS_KEY_FILE"},
    {"secret_key_file", "KLING_SECRET_KEY_FILE"},
    {"default_timeout", "LIPSYNC_DEFAULT_TIMEOUT"},
    {"max_timeout", "LIPSYNC_MAX_TIMEOUT"},
    {"connect_timeout", "LIPSYNC_CONNECT_TIMEOUT"},
    {"io_threads", "LIPSYNC_IO_THREADS"},
    {"max_in_flight_calls", "LIPSYNC_MAX_IN_FLIGHT_CALLS"},
    {"max_audio_bytes_in_flight", "LIPSYNC_MAX_AUDIO_BYTES_IN_FLIGHT"},
    {"drain_delay", "LIPSYNC_DRAIN_DELAY"},
    {"shutdown_grace", "LIPSYNC_SHUTDOWN_GRACE"},
    {"watch_poll_initial", "LIPSYNC_WATCH_POLL_INITIAL"},
    {"watch_poll_max", "LIPSYNC_WATCH_POLL_MAX"},
    {"max_watch_streams", "LIPSYNC_MAX_WATCH_STREAMS"},
    {"max_watch_duration", "LIPSYNC_MAX_WATCH_DURATION"},
    {"session_cache_size", "LIPSYNC_SESSION_CACHE_SIZE"},
    {"session_ttl", "LIPSYNC_SESSION_TTL"},
    {"idempotency_cache_size", "LIPSYNC_IDEMPOTENCY_CACHE_SIZE"},
    {"idempotency_ttl", "LIPSYNC_IDEMPOTENCY_TTL"},
    {"retry_max_attempts", "LIPSYNC_RETRY_MAX_ATTEMPTS"},
    {"retry_budget_ratio", "LIPSYNC_RETRY_BUDGET_RATIO"},
    {"breaker_failure_threshold", "LIPSYNC_BREAKER_FAILURE_THRESHOLD"},
    {"breaker_cool_down", "LIPSYNC_BREAKER_COOL_DOWN"},
    {"log_level", "LIPSYNC_LOG_LEVEL"},
};

std::vector<std::string> ApplyEnvironment() {
  std::vector<std::string> errors;
  for (const EnvFlag& f : kEnvFlags) {
    const char* value = std::getenv(f.env);
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f.flag);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      errors.push_back(absl::StrCat(f.env, ": ", error));
    }
  }
  return errors;
}

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : std::string(absl::StripAsciiWhitespace(value));
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts: Abseil's lock-order graph costs 2-3% of the
  // CPU in Release (GraphCycles::GetId); debug builds and tests keep it.
  lipsync::DisableMutexDeadlockDetectionInRelease();
  lipsync::server::BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "gRPC gateway to the Kling AI lip-sync API.\n"
      "Upstream credentials: an API key (--api_key_file or KLING_API_KEY), or\n"
      "an access key + secret key pair (--access_key_file/--secret_key_file\n"
      "or KLING_ACCESS_KEY/KLING_SECRET_KEY) from which HS256 JWTs are\n"
      "minted. Secrets are read from files or the environment only.\n"
      "Every flag can also be set by the environment variable in brackets.");
  absl::FlagsUsageConfig usage;
  // --help lists this file's flags (absl's default looks for a file named
  // after the binary).
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "service/main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> errors = ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);

  lipsync::server::GatewayOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.upstream_base_url = absl::GetFlag(FLAGS_upstream_base_url);
  options.allow_insecure_upstream =
      absl::GetFlag(FLAGS_allow_insecure_upstream);
  options.health_listen = absl::GetFlag(FLAGS_health_listen);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  lipsync::server::SecretSources secrets;
  secrets.plaintext = absl::GetFlag(FLAGS_plaintext);
  secrets.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  secrets.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  secrets.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  secrets.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens_file);
  secrets.api_key_file = absl::GetFlag(FLAGS_api_key_file);
  secrets.api_key_env = EnvOrEmpty("KLING_API_KEY");
  secrets.access_key_file = absl::GetFlag(FLAGS_access_key_file);
  secrets.access_key_env = EnvOrEmpty("KLING_ACCESS_KEY");
  secrets.secret_key_file = absl::GetFlag(FLAGS_secret_key_file);
  secrets.secret_key_env = EnvOrEmpty("KLING_SECRET_KEY");
  for (std::string& error : lipsync::server::LoadSecrets(secrets, &options)) {
    errors.push_back(std::move(error));
  }
  options.service.default_call_timeout = absl::GetFlag(FLAGS_default_timeout);
  options.service.max_call_timeout = absl::GetFlag(FLAGS_max_timeout);
  options.curl.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  options.curl.io_threads = absl::GetFlag(FLAGS_io_threads);
  options.service.admission.max_in_flight_calls = static_cast<std::size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_max_in_flight_calls)));
  options.service.admission.max_audio_bytes_in_flight =
      static_cast<std::size_t>(
          std::max<int64_t>(0, absl::GetFlag(FLAGS_max_audio_bytes_in_flight)));
  options.watch.initial_interval = absl::GetFlag(FLAGS_watch_poll_initial);
  options.watch.max_interval = absl::GetFlag(FLAGS_watch_poll_max);
  // The upstream connection cache holds as many connections as calls may be
  // in flight, so calls reuse kept-alive connections instead of reconnecting.
  options.curl.max_in_flight_calls =
      options.service.admission.max_in_flight_calls;
  options.service.max_watch_streams = static_cast<std::size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_max_watch_streams)));
  options.service.max_watch_duration = absl::GetFlag(FLAGS_max_watch_duration);
  options.sessions.max_sessions = static_cast<std::size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_session_cache_size)));
  options.sessions.ttl = absl::GetFlag(FLAGS_session_ttl);
  options.idempotency.max_entries = static_cast<std::size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_idempotency_cache_size)));
  options.idempotency.ttl = absl::GetFlag(FLAGS_idempotency_ttl);
  options.retry.max_attempts = absl::GetFlag(FLAGS_retry_max_attempts);
  options.retry.budget_ratio = absl::GetFlag(FLAGS_retry_budget_ratio);
  options.breaker.failure_threshold =
      absl::GetFlag(FLAGS_breaker_failure_threshold);
  options.breaker.cool_down = absl::GetFlag(FLAGS_breaker_cool_down);
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);

  lipsync::LogLevel level;
  if (lipsync::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    lipsync::SetLogLevel(level);
  } else {
    errors.push_back("--log_level must be debug, info, warning or error");
  }
  absl::Status valid = lipsync::server::ValidateGatewayOptions(options);
  if (!valid.ok()) errors.push_back(std::string(valid.message()));
  if (!errors.empty()) {
    std::fprintf(stderr, "lipsync-gateway: %s\n",
                 absl::StrJoin(errors, "; ").c_str());
    return 2;
  }
  absl::Status run = lipsync::server::RunServer(options);
  if (!run.ok()) {
    std::fprintf(stderr, "lipsync-gateway: %s\n",
                 std::string(run.message()).c_str());
    return 1;
  }
  return 0;
}

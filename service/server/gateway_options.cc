#include "service/server/gateway_options.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/sharedstate/redis_endpoint.h"

namespace lipsync::server {

absl::Status ValidateGatewayOptions(const GatewayOptions& o) {
  std::vector<std::string> bad;
  if (o.listen.empty() || o.listen.find(':') == std::string::npos) {
    bad.push_back(
        absl::StrCat("--listen must be host:port (got \"", o.listen, "\")"));
  }
  const std::string url = absl::AsciiStrToLower(o.upstream_base_url);
  if (absl::StartsWith(url, "http://")) {
    if (!o.allow_insecure_upstream) {
      bad.push_back(
          "--upstream_base_url is plain http: use https, or set "
          "--allow_insecure_upstream for a local stand-in");
    }
  } else if (!absl::StartsWith(url, "https://")) {
    bad.push_back(
        absl::StrCat("--upstream_base_url must be an https URL (got \"",
                     o.upstream_base_url, "\")"));
  }
  if (absl::EndsWith(o.upstream_base_url, "/")) {
    bad.push_back("--upstream_base_url must not end with '/'");
  }
  if (o.api_key.empty() && o.credentials == nullptr) {
    bad.push_back(
        "no upstream credentials: set KLING_API_KEY or --api_key_file, or "
        "the access key + secret key pair");
  } else if (o.api_key.find_first_of("\r\n") != std::string::npos) {
    bad.push_back("the upstream API key contains a line break");
  }
  if (!o.metrics_listen.empty() &&
      o.metrics_listen.find(':') == std::string::npos) {
    bad.push_back(absl::StrCat("--metrics_listen must be host:port (got \"",
                               o.metrics_listen, "\")"));
  }
  if (!o.health_listen.empty() &&
      o.health_listen.find(':') == std::string::npos) {
    bad.push_back(absl::StrCat("--health_listen must be host:port (got \"",
                               o.health_listen, "\")"));
  }
  if (o.service.default_call_timeout <= absl::ZeroDuration()) {
    bad.push_back("--default_timeout must be positive");
  }
  if (o.service.max_call_timeout < o.service.default_call_timeout) {
    bad.push_back("--max_timeout must be at least --default_timeout");
  }
  if (o.curl.io_threads < 1 || o.curl.io_threads > 64) {
    bad.push_back("--io_threads must be in [1, 64]");
  }
  if (o.service.admission.max_in_flight_calls < 1) {
    bad.push_back("--max_in_flight_calls must be at least 1");
  }
  if (o.watch.initial_interval <= absl::ZeroDuration() ||
      o.watch.max_interval < o.watch.initial_interval) {
    bad.push_back(
        "--watch_poll_initial must be positive and at most --watch_poll_max");
  }
  if (o.sessions.ttl <= absl::ZeroDuration() ||
      o.idempotency.ttl <= absl::ZeroDuration()) {
    bad.push_back("--session_ttl and --idempotency_ttl must be positive");
  }
  if (o.service.max_watch_duration <= absl::ZeroDuration()) {
    bad.push_back("--max_watch_duration must be positive");
  }
  if (o.retry.max_attempts < 1 || o.retry.max_attempts > 10) {
    bad.push_back("--retry_max_attempts must be in [1, 10]");
  }
  if (o.breaker.failure_threshold < 1 ||
      o.breaker.cool_down <= absl::ZeroDuration()) {
    bad.push_back(
        "--breaker_failure_threshold must be >= 1 and --breaker_cool_down "
        "positive");
  }
  if (o.drain_delay < absl::ZeroDuration() ||
      o.shutdown_grace < absl::ZeroDuration()) {
    bad.push_back("--drain_delay and --shutdown_grace must not be negative");
  }
  if (!o.shared_state.redis_url.empty()) {
    absl::StatusOr<sharedstate::RedisEndpoint> endpoint =
        sharedstate::ParseRedisUrl(o.shared_state.redis_url);
    if (!endpoint.ok()) bad.emplace_back(endpoint.status().message());
    if (o.shared_state.op_timeout <= absl::ZeroDuration()) {
      bad.push_back("--redis_op_timeout must be positive");
    }
    if (o.shared_state.key_prefix.empty()) {
      bad.push_back("--redis_key_prefix must not be empty");
    }
    if (o.shared_state.password.find_first_of("\r\n") != std::string::npos) {
      bad.push_back("the Redis password contains a line break");
    }
  }
  if (bad.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("bad configuration: ", absl::StrJoin(bad, "; ")));
}

}  // namespace lipsync::server

#include "service/server/upstream_factory.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/common/json_log.h"
#include "service/observability/metrics_upstream_client.h"
#include "service/observability/resilience_metrics.h"
#include "service/resilience/circuit_breaking_upstream_client.h"
#include "service/resilience/retrying_upstream_client.h"
#include "service/upstream/credentials.h"
#include "service/upstream/kling_upstream_client.h"
#include "service/workflow/idempotent_create_client.h"

namespace lipsync::server {
namespace {

const char* BreakerStateName(resilience::CircuitBreaker::State state) {
  switch (state) {
    case resilience::CircuitBreaker::State::kClosed:
      return "closed";
    case resilience::CircuitBreaker::State::kOpen:
      return "open";
    case resilience::CircuitBreaker::State::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

// Logs each retry decision, then tells `next` (metrics; may be null). Runs
// on the thread of the failed attempt, inside the retry layer's
// ScopedLogTraceId: the lines carry the call's trace_id.
class LoggingRetryObserver final : public resilience::RetryObserver {
 public:
  explicit LoggingRetryObserver(std::shared_ptr<resilience::RetryObserver> next)
      : next_(std::move(next)) {}

  void OnRetry(resilience::Operation op, int attempt,
               const absl::Status& cause) override {
    LogJson(LogLevel::kInfo, "upstream retry",
            {{"operation", std::string(resilience::OperationName(op))},
             {"attempt", absl::StrCat(attempt)},
             {"code", absl::StatusCodeToString(cause.code())},
             {"error", std::string(cause.message())}});
    if (next_ != nullptr) next_->OnRetry(op, attempt, cause);
  }
  void OnRetryBudgetExhausted(resilience::Operation op,
                              const absl::Status& cause) override {
    LogJson(LogLevel::kWarning, "upstream retry budget exhausted",
            {{"operation", std::string(resilience::OperationName(op))},
             {"code", absl::StatusCodeToString(cause.code())},
             {"error", std::string(cause.message())}});
    if (next_ != nullptr) next_->OnRetryBudgetExhausted(op, cause);
  }

 private:
  const std::shared_ptr<resilience::RetryObserver> next_;
};

}  // namespace

UpstreamStack MakeUpstreamClient(
    const GatewayOptions& options,
    std::shared_ptr<upstream::HttpTransport> transport,
    resilience::Scheduler* scheduler,
    const std::shared_ptr<observability::GatewayMetrics>& metrics,
    std::shared_ptr<workflow::SharedIdempotency> shared_idempotency) {
  UpstreamStack stack;
  std::shared_ptr<upstream::UpstreamClient> client =
      std::make_shared<upstream::KlingUpstreamClient>(
          options.upstream_base_url,
          options.credentials != nullptr
              ? options.credentials
              : upstream::MakeStaticKeyCredentials(options.api_key),
          std::move(transport));
  if (metrics != nullptr) {
    client = std::make_shared<observability::MetricsUpstreamClient>(
        std::move(client), metrics);
  }
  resilience::CircuitBreaker::StateListener to_metrics =
      metrics != nullptr ? observability::MakeBreakerMetricsListener(metrics)
                         : nullptr;
  stack.breaker = std::make_shared<resilience::CircuitBreaker>(
      options.breaker, [scheduler] { return scheduler->Now(); },
      [to_metrics](resilience::CircuitBreaker::State from,
                   resilience::CircuitBreaker::State to) {
        LogJson(
            LogLevel::kWarning, "circuit breaker",
            {{"from", BreakerStateName(from)}, {"to", BreakerStateName(to)}});
        if (to_metrics) to_metrics(from, to);
      });
  client = std::make_shared<resilience::CircuitBreakingUpstreamClient>(
      std::move(client), stack.breaker);
  client = std::make_shared<resilience::RetryingUpstreamClient>(
      std::move(client), scheduler, options.retry, /*budget=*/nullptr,
      /*random=*/nullptr,
      std::make_shared<LoggingRetryObserver>(
          metrics != nullptr ? observability::MakeRetryMetricsObserver(metrics)
                             : nullptr));
  stack.client = std::make_shared<workflow::IdempotentCreateClient>(
      std::move(client), options.idempotency, [] { return absl::Now(); },
      std::move(shared_idempotency));
  return stack;
}

}  // namespace lipsync::server

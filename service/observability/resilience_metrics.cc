#include "service/observability/resilience_metrics.h"

#include <utility>

#include "service/resilience/retry_policy.h"

namespace lipsync::observability {
namespace {

class RetryMetricsObserver final : public resilience::RetryObserver {
 public:
  explicit RetryMetricsObserver(std::shared_ptr<GatewayMetrics> metrics)
      : metrics_(std::move(metrics)) {}

  void OnRetry(resilience::Operation op, int, const absl::Status&) override {
    metrics_->RecordUpstreamRetry(resilience::OperationName(op));
  }
  void OnRetryBudgetExhausted(resilience::Operation op,
                              const absl::Status&) override {
    metrics_->RecordRetryBudgetExhausted(resilience::OperationName(op));
  }

 private:
  const std::shared_ptr<GatewayMetrics> metrics_;
};

BreakerState ToBreakerState(resilience::CircuitBreaker::State state) {
  switch (state) {
    case resilience::CircuitBreaker::State::kClosed:
      return BreakerState::kClosed;
    case resilience::CircuitBreaker::State::kOpen:
      return BreakerState::kOpen;
    case resilience::CircuitBreaker::State::kHalfOpen:
      return BreakerState::kHalfOpen;
  }
  return BreakerState::kClosed;
}

}  // namespace

std::shared_ptr<resilience::RetryObserver> MakeRetryMetricsObserver(
    std::shared_ptr<GatewayMetrics> metrics) {
  return std::make_shared<RetryMetricsObserver>(std::move(metrics));
}

resilience::CircuitBreaker::StateListener MakeBreakerMetricsListener(
    std::shared_ptr<GatewayMetrics> metrics) {
  return [metrics = std::move(metrics)](resilience::CircuitBreaker::State,
                                        resilience::CircuitBreaker::State to) {
    metrics->RecordBreakerState(ToBreakerState(to));
  };
}

}  // namespace lipsync::observability

#include "service/server/upstream_factory.h"

#include <utility>

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

}  // namespace

UpstreamStack MakeUpstreamClient(
    const GatewayOptions& options,
    std::shared_ptr<upstream::HttpTransport> transport,
    resilience::Scheduler* scheduler,
    std::shared_ptr<observability::GatewayMetrics> metrics) {
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
      metrics != nullptr ? observability::MakeRetryMetricsObserver(metrics)
                         : nullptr);
  stack.client = std::make_shared<workflow::IdempotentCreateClient>(
      std::move(client), options.idempotency);
  return stack;
}

}  // namespace lipsync::server

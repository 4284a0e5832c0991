// Adapters that feed the resilience layer's hooks into GatewayMetrics, so
// the upstream factory wires metrics with one argument each.
#ifndef LIPSYNC_SERVICE_OBSERVABILITY_RESILIENCE_METRICS_H_
#define LIPSYNC_SERVICE_OBSERVABILITY_RESILIENCE_METRICS_H_

#include <memory>

#include "service/observability/gateway_metrics.h"
#include "service/resilience/circuit_breaker.h"
#include "service/resilience/retrying_upstream_client.h"

namespace lipsync::observability {

// Counts lipsync_upstream_retries_total and
// lipsync_upstream_retry_budget_exhausted_total per operation (labels as
// resilience::OperationName). Pass to RetryingUpstreamClient.
std::shared_ptr<resilience::RetryObserver> MakeRetryMetricsObserver(
    std::shared_ptr<GatewayMetrics> metrics);

// Sets lipsync_circuit_breaker_state and counts
// lipsync_circuit_breaker_transitions_total. Pass to the CircuitBreaker
// constructor; quick and lock-free apart from prometheus-cpp's atomics, as
// a StateListener must be.
resilience::CircuitBreaker::StateListener MakeBreakerMetricsListener(
    std::shared_ptr<GatewayMetrics> metrics);

}  // namespace lipsync::observability

#endif  // LIPSYNC_SERVICE_OBSERVABILITY_RESILIENCE_METRICS_H_

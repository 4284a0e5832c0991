// The one place that knows how the upstream client is stacked:
//   IdempotentCreate( Retrying( CircuitBreaking( Metrics( Kling REST ) ) ) )
// over the libcurl engine: each retry attempt passes the breaker, a create
// the idempotency layer joins is retried only where it is safe, and every
// HTTP exchange (not the calls the breaker refuses) is counted once.
// Nothing else depends on the order or on which decorators exist.
#ifndef LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_
#define LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_

#include <memory>

#include "service/observability/gateway_metrics.h"
#include "service/resilience/circuit_breaker.h"
#include "service/resilience/scheduler.h"
#include "service/server/gateway_options.h"
#include "service/upstream/http_transport.h"
#include "service/upstream/upstream_client.h"
#include "service/workflow/shared_idempotency.h"

namespace lipsync::server {

struct UpstreamStack {
  std::shared_ptr<upstream::UpstreamClient> client;
  // Exposed for metrics and logs.
  std::shared_ptr<resilience::CircuitBreaker> breaker;
};

// `transport` and `scheduler` must outlive the returned client. `metrics`
// may be null (no upstream, retry or breaker metrics); `shared_idempotency`
// null: idempotency keys are this replica's own (plus the upstream's
// external_task_id check).
UpstreamStack MakeUpstreamClient(
    const GatewayOptions& options,
    std::shared_ptr<upstream::HttpTransport> transport,
    resilience::Scheduler* scheduler,
    const std::shared_ptr<observability::GatewayMetrics>& metrics = nullptr,
    std::shared_ptr<workflow::SharedIdempotency> shared_idempotency = nullptr);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_

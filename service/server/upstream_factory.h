// The one place that knows how the upstream client is stacked:
//   IdempotentCreate( Kling REST client over the libcurl engine )
// Nothing else depends on the order or on which decorators exist.
#ifndef LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_
#define LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_

#include <memory>

#include "service/resilience/scheduler.h"
#include "service/server/gateway_options.h"
#include "service/upstream/http_transport.h"
#include "service/upstream/upstream_client.h"

namespace lipsync::server {

// `transport` and `scheduler` must outlive the returned client.
std::shared_ptr<upstream::UpstreamClient> MakeUpstreamClient(
    const GatewayOptions& options,
    std::shared_ptr<upstream::HttpTransport> transport,
    resilience::Scheduler* scheduler);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_UPSTREAM_FACTORY_H_

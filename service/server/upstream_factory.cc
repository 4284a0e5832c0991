#include "service/server/upstream_factory.h"

#include <utility>

#include "service/upstream/credentials.h"
#include "service/upstream/kling_upstream_client.h"
#include "service/workflow/idempotent_create_client.h"

namespace lipsync::server {

std::shared_ptr<upstream::UpstreamClient> MakeUpstreamClient(
    const GatewayOptions& options,
    std::shared_ptr<upstream::HttpTransport> transport,
    resilience::Scheduler* scheduler) {
  std::shared_ptr<upstream::UpstreamClient> client =
      std::make_shared<upstream::KlingUpstreamClient>(
          options.upstream_base_url,
          upstream::MakeStaticKeyCredentials(options.api_key),
          std::move(transport));
  return std::make_shared<workflow::IdempotentCreateClient>(
      std::move(client), options.idempotency);
}

}  // namespace lipsync::server

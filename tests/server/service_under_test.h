// A LipSyncService on an in-process gRPC server, with the generated stub, a
// FakeScheduler (watch polls and watch time limits move only when the test
// says so), a real TaskWatchHub and SessionCache over the given upstream,
// and GatewayMetrics whose exposition the test can read.
#ifndef LIPSYNC_TESTS_SERVER_SERVICE_UNDER_TEST_H_
#define LIPSYNC_TESTS_SERVER_SERVICE_UNDER_TEST_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "service/observability/gateway_metrics.h"
#include "service/server/lipsync_service.h"
#include "service/workflow/session_cache.h"
#include "service/workflow/task_watch_hub.h"
#include "tests/observability/exposition.h"
#include "tests/support/fake_scheduler.h"

namespace lipsync::server_testing {

namespace v1 = ::kling::lipsync::v1;

class ServiceUnderTest {
 public:
  // `before_shutdown` runs first in the destructor, e.g. to complete upstream
  // calls a test left held (the server's Shutdown waits for every call).
  explicit ServiceUnderTest(std::shared_ptr<upstream::UpstreamClient> upstream,
                            const server::ServiceOptions& options = {},
                            std::function<void()> before_shutdown = nullptr)
      : before_shutdown_(std::move(before_shutdown)) {
    observability::GatewayMetricsOptions metrics_options;
    metrics_options.version = "test";
    metrics_options.grpc_methods = observability::GrpcMethodsOf(
        *google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            v1::LipSyncService::service_full_name()));
    metrics_ = std::make_shared<observability::GatewayMetrics>(metrics_options);
    workflow::WatchPollOptions poll;
    poll.jitter = 0;
    hub_ = std::make_shared<workflow::TaskWatchHub>(upstream, &scheduler_, poll,
                                                    [] { return 0.5; });
    sessions_ = std::make_shared<workflow::SessionCache>(
        workflow::SessionCacheOptions{});
    server::ServiceDependencies deps;
    deps.upstream = std::move(upstream);
    deps.watch_hub = hub_;
    deps.sessions = sessions_;
    deps.scheduler = &scheduler_;
    deps.metrics = metrics_;
    service_ = std::make_unique<server::LipSyncService>(options, deps);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    stub_ = v1::LipSyncService::NewStub(channel_);
  }

  ~ServiceUnderTest() {
    if (before_shutdown_) before_shutdown_();
    server_->Shutdown();
    hub_->Shutdown();
  }

  ServiceUnderTest(const ServiceUnderTest&) = delete;
  ServiceUnderTest& operator=(const ServiceUnderTest&) = delete;

  v1::LipSyncService::Stub& stub() { return *stub_; }
  // For callers that send what the stub cannot (e.g. raw bytes).
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  server::LipSyncService& service() { return *service_; }
  testing_util::FakeScheduler& scheduler() { return scheduler_; }
  workflow::TaskWatchHub& hub() { return *hub_; }
  workflow::SessionCache& sessions() { return *sessions_; }

  // grpc_server_handled_total of `method` ("GetLipSyncTask") with
  // `grpc_code` as the metrics name it ("OK", "InvalidArgument", ...).
  double Handled(const std::string& method, const std::string& grpc_code,
                 const std::string& type = "unary") const {
    return Sample("grpc_server_handled_total{grpc_code=\"" + grpc_code +
                  "\",grpc_method=\"" + method +
                  "\",grpc_service=\"kling.lipsync.v1.LipSyncService\","
                  "grpc_type=\"" +
                  type + "\"}");
  }
  // A sample of the metrics exposition by its exact series; -1 if absent.
  double Sample(const std::string& series) const {
    std::optional<double> value = observability::testing_util::SampleValue(
        observability::testing_util::Exposition(*metrics_->registry()), series);
    return value.value_or(-1);
  }

 private:
  std::function<void()> before_shutdown_;
  // Starts at the wall clock: the edge's deadlines are wall-clock times.
  testing_util::FakeScheduler scheduler_{absl::Now()};
  std::shared_ptr<observability::GatewayMetrics> metrics_;
  std::shared_ptr<workflow::TaskWatchHub> hub_;
  std::shared_ptr<workflow::SessionCache> sessions_;
  std::unique_ptr<server::LipSyncService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LipSyncService::Stub> stub_;
};

}  // namespace lipsync::server_testing

#endif  // LIPSYNC_TESTS_SERVER_SERVICE_UNDER_TEST_H_

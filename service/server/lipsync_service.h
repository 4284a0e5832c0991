// The gRPC edge of kling.lipsync.v1.LipSyncService on the callback API: each
// handler validates, admits, starts the upstream exchange and returns; the
// RPC finishes from the upstream completion. No handler blocks.
#ifndef LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_
#define LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_

#include <memory>

#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "service/server/admission_control.h"
#include "service/upstream/upstream_client.h"

namespace lipsync::server {

namespace v1 = ::kling::lipsync::v1;

struct ServiceOptions {
  // Deadline given to calls that come without one.
  absl::Duration default_call_timeout = absl::Seconds(30);
  // Longest deadline honoured for a unary call.
  absl::Duration max_call_timeout = absl::Minutes(2);
  AdmissionLimits admission;
};

class LipSyncService final : public v1::LipSyncService::CallbackService {
 public:
  LipSyncService(const ServiceOptions& options,
                 std::shared_ptr<upstream::UpstreamClient> upstream);

  grpc::ServerUnaryReactor* IdentifyFace(
      grpc::CallbackServerContext* context,
      const v1::IdentifyFaceRequest* request,
      v1::IdentifyFaceResponse* response) override;
  grpc::ServerUnaryReactor* CreateLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::CreateLipSyncTaskRequest* request,
      v1::LipSyncTask* response) override;
  grpc::ServerUnaryReactor* GetLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::GetLipSyncTaskRequest* request,
      v1::LipSyncTask* response) override;
  grpc::ServerUnaryReactor* ListLipSyncTasks(
      grpc::CallbackServerContext* context,
      const v1::ListLipSyncTasksRequest* request,
      v1::ListLipSyncTasksResponse* response) override;
  grpc::ServerWriteReactor<v1::LipSyncTask>* WatchLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::WatchLipSyncTaskRequest* request) override;

  AdmissionControl& admission() { return admission_; }

 private:
  const ServiceOptions options_;
  const std::shared_ptr<upstream::UpstreamClient> upstream_;
  AdmissionControl admission_;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_

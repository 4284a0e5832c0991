// The seam between the gRPC service and the Kling REST API: one virtual per
// upstream operation, each completing a callback exactly once. The real one
// is KlingUpstreamClient; decorators (retry, metrics, ...) wrap any client;
// tests pass a mock.
#ifndef LIPSYNC_SERVICE_UPSTREAM_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_UPSTREAM_UPSTREAM_CLIENT_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/call_context.h"
#include "service/common/create_request.h"

namespace lipsync::upstream {

namespace v1 = ::kling::lipsync::v1;

template <typename T>
using UpstreamCallback = std::function<void(absl::StatusOr<T>)>;

class UpstreamClient {
 public:
  virtual ~UpstreamClient() = default;

  // Each call starts the upstream exchange and returns at once; `done` runs
  // exactly once (on an upstream I/O, timer or calling thread; it must not
  // block), with the translated answer or a Status per docs/errors.md. The
  // request must have been validated and must stay valid until `done` runs
  // (decorators may keep a reference: a create can carry 7 MB of audio).
  // `call` bounds the exchange (deadline, cancellation).
  virtual void IdentifyFace(
      std::shared_ptr<CallContext> call, const v1::IdentifyFaceRequest& request,
      UpstreamCallback<v1::IdentifyFaceResponse> done) = 0;
  virtual void CreateLipSyncTask(std::shared_ptr<CallContext> call,
                                 const CreateRequest& request,
                                 UpstreamCallback<v1::LipSyncTask> done) = 0;
  virtual void GetLipSyncTask(std::shared_ptr<CallContext> call,
                              const v1::GetLipSyncTaskRequest& request,
                              UpstreamCallback<v1::LipSyncTask> done) = 0;
  virtual void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const v1::ListLipSyncTasksRequest& request,
      UpstreamCallback<v1::ListLipSyncTasksResponse> done) = 0;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_UPSTREAM_CLIENT_H_

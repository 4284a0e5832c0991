// The base of every UpstreamClient decorator: it holds the decorated client
// (the child) and forwards each operation to it unchanged, so a decorator
// overrides only the operations it changes.
#ifndef LIPSYNC_SERVICE_UPSTREAM_FORWARDING_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_UPSTREAM_FORWARDING_UPSTREAM_CLIENT_H_

#include <memory>
#include <utility>

#include "service/upstream/upstream_client.h"

namespace lipsync::upstream {

// Each operation not overridden calls the child's with the same arguments:
// same thread, same `call`, same `done` (run by the child, exactly once).
// Thread-safe if the child is.
class ForwardingUpstreamClient : public UpstreamClient {
 public:
  void IdentifyFace(std::shared_ptr<CallContext> call,
                    const v1::IdentifyFaceRequest& request,
                    UpstreamCallback<v1::IdentifyFaceResponse> done) override {
    child_->IdentifyFace(std::move(call), request, std::move(done));
  }
  void CreateLipSyncTask(std::shared_ptr<CallContext> call,
                         const CreateRequest& request,
                         UpstreamCallback<v1::LipSyncTask> done) override {
    child_->CreateLipSyncTask(std::move(call), request, std::move(done));
  }
  void GetLipSyncTask(std::shared_ptr<CallContext> call,
                      const v1::GetLipSyncTaskRequest& request,
                      UpstreamCallback<v1::LipSyncTask> done) override {
    child_->GetLipSyncTask(std::move(call), request, std::move(done));
  }
  void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const v1::ListLipSyncTasksRequest& request,
      UpstreamCallback<v1::ListLipSyncTasksResponse> done) override {
    child_->ListLipSyncTasks(std::move(call), request, std::move(done));
  }

 protected:
  // `child` must not be null; the decorator shares its ownership.
  explicit ForwardingUpstreamClient(std::shared_ptr<UpstreamClient> child)
      : child_(std::move(child)) {}

  // The decorated client. A decorator whose calls may outlive it keeps its
  // own copy of this pointer in what those calls hold.
  const std::shared_ptr<UpstreamClient>& child() const { return child_; }

 private:
  const std::shared_ptr<UpstreamClient> child_;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_FORWARDING_UPSTREAM_CLIENT_H_

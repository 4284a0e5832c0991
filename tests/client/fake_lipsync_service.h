// An in-process stand-in for the gateway: a LipSyncService whose answers the
// test scripts, served on a loopback port chosen by the kernel.
#ifndef LIPSYNC_TESTS_CLIENT_FAKE_LIPSYNC_SERVICE_H_
#define LIPSYNC_TESTS_CLIENT_FAKE_LIPSYNC_SERVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"

namespace lipsync::client::testing {

// Handlers run on gRPC server threads; set them before the first call. An
// unset handler answers UNIMPLEMENTED.
class FakeLipSyncService final
    : public kling::lipsync::v1::LipSyncService::Service {
 public:
  template <typename Request, typename Response>
  using Handler = std::function<grpc::Status(grpc::ServerContext*,
                                             const Request&, Response*)>;

  Handler<kling::lipsync::v1::IdentifyFaceRequest,
          kling::lipsync::v1::IdentifyFaceResponse>
      identify;
  Handler<kling::lipsync::v1::CreateLipSyncTaskRequest,
          kling::lipsync::v1::LipSyncTask>
      create;
  Handler<kling::lipsync::v1::GetLipSyncTaskRequest,
          kling::lipsync::v1::LipSyncTask>
      get;
  Handler<kling::lipsync::v1::ListLipSyncTasksRequest,
          kling::lipsync::v1::ListLipSyncTasksResponse>
      list;
  Handler<kling::lipsync::v1::WatchLipSyncTaskRequest,
          grpc::ServerWriter<kling::lipsync::v1::LipSyncTask>>
      watch;

  // Calls received per method name ("IdentifyFace", ...), retries included.
  int Calls(const std::string& method) const;
  // The `authorization` metadata of the last call: "" when absent, values
  // joined by "," when sent more than once.
  std::string LastAuthorization() const;
  // The `traceparent` metadata of every call, in arrival order ("" when
  // absent).
  std::vector<std::string> Traceparents() const;

  grpc::Status IdentifyFace(
      grpc::ServerContext* context,
      const kling::lipsync::v1::IdentifyFaceRequest* request,
      kling::lipsync::v1::IdentifyFaceResponse* response) override;
  grpc::Status CreateLipSyncTask(
      grpc::ServerContext* context,
      const kling::lipsync::v1::CreateLipSyncTaskRequest* request,
      kling::lipsync::v1::LipSyncTask* response) override;
  grpc::Status GetLipSyncTask(
      grpc::ServerContext* context,
      const kling::lipsync::v1::GetLipSyncTaskRequest* request,
      kling::lipsync::v1::LipSyncTask* response) override;
  grpc::Status ListLipSyncTasks(
      grpc::ServerContext* context,
      const kling::lipsync::v1::ListLipSyncTasksRequest* request,
      kling::lipsync::v1::ListLipSyncTasksResponse* response) override;
  grpc::Status WatchLipSyncTask(
      grpc::ServerContext* context,
      const kling::lipsync::v1::WatchLipSyncTaskRequest* request,
      grpc::ServerWriter<kling::lipsync::v1::LipSyncTask>* writer) override;

 private:
  void Record(const std::string& method, grpc::ServerContext* context);

  mutable absl::Mutex mu_;
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::string last_authorization_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> traceparents_ ABSL_GUARDED_BY(mu_);
};

// Serves `service` on 127.0.0.1 (receive limit 7 MiB like the gateway)
// until destroyed; plaintext unless `credentials` says otherwise.
class FakeServer {
 public:
  explicit FakeServer(FakeLipSyncService* service,
                      std::shared_ptr<grpc::ServerCredentials> credentials =
                          grpc::InsecureServerCredentials());
  ~FakeServer();

  // "127.0.0.1:<port>".
  const std::string& target() const { return target_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
};

// A grpc::Status whose error_details is a google.rpc.Status holding
// `details` as Any, the way the gateway reports errors.
grpc::Status StatusWithDetails(
    grpc::StatusCode code, const std::string& message,
    const std::vector<const google::protobuf::Message*>& details);

// Waits until the call is cancelled or its deadline passes (for a handler
// that must never answer in time).
void WaitForCancellation(grpc::ServerContext* context);

}  // namespace lipsync::client::testing

#endif  // LIPSYNC_TESTS_CLIENT_FAKE_LIPSYNC_SERVICE_H_

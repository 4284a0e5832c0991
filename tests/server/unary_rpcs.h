// The four unary RPCs of LipSyncService as values, so that one test can walk
// every RPC: call one with a valid request (blocking or not), and tell a
// MockUpstreamClient how the upstream answers it.
#ifndef LIPSYNC_TESTS_SERVER_UNARY_RPCS_H_
#define LIPSYNC_TESTS_SERVER_UNARY_RPCS_H_

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "tests/support/grpc_details.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/poll.h"
#include "tests/support/seed_requests.h"
#include "tests/support/valid_requests.h"

namespace lipsync::server_testing {

namespace v1 = ::kling::lipsync::v1;

enum class Rpc {
  kIdentifyFace,
  kCreateLipSyncTask,
  kGetLipSyncTask,
  kListLipSyncTasks
};
inline constexpr Rpc kUnaryRpcs[] = {
    Rpc::kIdentifyFace, Rpc::kCreateLipSyncTask, Rpc::kGetLipSyncTask,
    Rpc::kListLipSyncTasks};

// The method name, as in the schema and the metrics labels.
inline std::string RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kIdentifyFace:
      return "IdentifyFace";
    case Rpc::kCreateLipSyncTask:
      return "CreateLipSyncTask";
    case Rpc::kGetLipSyncTask:
      return "GetLipSyncTask";
    case Rpc::kListLipSyncTasks:
      return "ListLipSyncTasks";
  }
  return "?";
}

// One RPC started with its valid request and without blocking; its status is
// known once done() (it keeps its messages alive until then).
class PendingRpc {
 public:
  // `deadline`: the caller's; none when not set.
  PendingRpc(v1::LipSyncService::Stub& stub, Rpc rpc,
             std::optional<absl::Time> deadline = absl::Now() +
                                                  absl::Seconds(30)) {
    Start(stub, rpc, deadline);
  }
  // A CreateLipSyncTask of `create`.
  PendingRpc(v1::LipSyncService::Stub& stub,
             const v1::CreateLipSyncTaskRequest& create)
      : create_(create) {
    Start(stub, Rpc::kCreateLipSyncTask, absl::Now() + absl::Seconds(30));
  }
  // The RPC must be over before its messages go: one a failed test left
  // running is cancelled.
  ~PendingRpc() {
    if (!done()) context_.TryCancel();
    WaitForStatus();
  }
  PendingRpc(const PendingRpc&) = delete;
  PendingRpc& operator=(const PendingRpc&) = delete;

  void Cancel() { context_.TryCancel(); }
  // The final status; an UNKNOWN "test timed out" status if the RPC is
  // still running after `timeout`.
  grpc::Status WaitForStatus(absl::Duration timeout = absl::Seconds(30)) {
    if (!testing_util::PollUntil([this] { return done(); }, timeout)) {
      return {grpc::StatusCode::UNKNOWN, "test timed out waiting for the RPC"};
    }
    absl::MutexLock lock(&mu_);
    return *status_;
  }
  bool done() const {
    absl::MutexLock lock(&mu_);
    return status_.has_value();
  }
  // Valid once done().
  const grpc::ClientContext& context() const { return context_; }

 private:
  void Start(v1::LipSyncService::Stub& stub, Rpc rpc,
             std::optional<absl::Time> deadline) {
    if (deadline) context_.set_deadline(absl::ToChronoTime(*deadline));
    auto done = [this](grpc::Status status) {
      absl::MutexLock lock(&mu_);
      status_ = std::move(status);
    };
    switch (rpc) {
      case Rpc::kIdentifyFace:
        stub.async()->IdentifyFace(&context_, &identify_, &faces_, done);
        break;
      case Rpc::kCreateLipSyncTask:
        stub.async()->CreateLipSyncTask(&context_, &create_, &task_, done);
        break;
      case Rpc::kGetLipSyncTask:
        stub.async()->GetLipSyncTask(&context_, &get_, &task_, done);
        break;
      case Rpc::kListLipSyncTasks:
        stub.async()->ListLipSyncTasks(&context_, &list_, &tasks_, done);
        break;
    }
  }

  grpc::ClientContext context_;
  v1::IdentifyFaceRequest identify_ = testing_util::ValidIdentifyFaceRequest();
  v1::CreateLipSyncTaskRequest create_ = testing::SeedRequest();
  v1::GetLipSyncTaskRequest get_ = testing_util::ValidGetTaskRequest();
  v1::ListLipSyncTasksRequest list_ = testing_util::ValidListTasksRequest();
  v1::IdentifyFaceResponse faces_;
  v1::LipSyncTask task_;
  v1::ListLipSyncTasksResponse tasks_;
  mutable absl::Mutex mu_;
  std::optional<grpc::Status> status_ ABSL_GUARDED_BY(mu_);
};

struct RpcResult {
  grpc::Status status;
  std::map<std::string, std::string> trailers;
};

// Calls `rpc` with its valid request and waits for the outcome.
inline RpcResult CallValid(v1::LipSyncService::Stub& stub, Rpc rpc) {
  PendingRpc pending(stub, rpc);
  RpcResult result;
  result.status = pending.WaitForStatus();
  for (const auto& [key, value] :
       pending.context().GetServerTrailingMetadata()) {
    result.trailers.emplace(std::string(key.data(), key.size()),
                            std::string(value.data(), value.size()));
  }
  return result;
}

// Expects one upstream call of `rpc`, which fails at once with `failure`.
inline void ExpectUpstreamFailure(testing_util::MockUpstreamClient& upstream,
                                  Rpc rpc, const absl::Status& failure) {
  using ::testing::_;
  using testing_util::CompleteWith;
  switch (rpc) {
    case Rpc::kIdentifyFace:
      EXPECT_CALL(upstream, IdentifyFace(_, _, _))
          .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(failure));
      break;
    case Rpc::kCreateLipSyncTask:
      EXPECT_CALL(upstream, CreateLipSyncTask(_, _, _))
          .WillOnce(CompleteWith<v1::LipSyncTask>(failure));
      break;
    case Rpc::kGetLipSyncTask:
      EXPECT_CALL(upstream, GetLipSyncTask(_, _, _))
          .WillOnce(CompleteWith<v1::LipSyncTask>(failure));
      break;
    case Rpc::kListLipSyncTasks:
      EXPECT_CALL(upstream, ListLipSyncTasks(_, _, _))
          .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(failure));
      break;
  }
}

}  // namespace lipsync::server_testing

#endif  // LIPSYNC_TESTS_SERVER_UNARY_RPCS_H_

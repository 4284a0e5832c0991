// An UpstreamClient that answers nothing by itself: it holds every call (its
// CallContext, a copy of its request, its callback) until the test completes
// it, so a test controls when the upstream answers and can look at what the
// call carried meanwhile (deadline, cancellation).
#ifndef LIPSYNC_TESTS_SUPPORT_HELD_UPSTREAM_CLIENT_H_
#define LIPSYNC_TESTS_SUPPORT_HELD_UPSTREAM_CLIENT_H_

#include <google/protobuf/message.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/upstream/upstream_client.h"
#include "tests/support/poll.h"

namespace lipsync::testing_util {

// Thread-safe: calls arrive on gRPC threads, tests complete them on theirs.
// Every held call must be completed (e.g. FailAllPending) before whatever waits
// for it (a gRPC server's Shutdown) is torn down.
class HeldUpstreamClient final : public upstream::UpstreamClient {
 public:
  struct HeldCall {
    // The UpstreamClient method: "IdentifyFace", "CreateLipSyncTask", ...
    std::string method;
    std::shared_ptr<CallContext> context;
    // A copy of the request (for a create: its message).
    std::shared_ptr<const google::protobuf::Message> request;
  };

  void IdentifyFace(
      std::shared_ptr<CallContext> call,
      const ::kling::lipsync::v1::IdentifyFaceRequest& request,
      upstream::UpstreamCallback<::kling::lipsync::v1::IdentifyFaceResponse>
          done) override {
    Hold("IdentifyFace", std::move(call), request, std::move(done));
  }
  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest& request,
      upstream::UpstreamCallback<::kling::lipsync::v1::LipSyncTask> done)
      override {
    Hold("CreateLipSyncTask", std::move(call), request.message(),
         std::move(done));
  }
  void GetLipSyncTask(
      std::shared_ptr<CallContext> call,
      const ::kling::lipsync::v1::GetLipSyncTaskRequest& request,
      upstream::UpstreamCallback<::kling::lipsync::v1::LipSyncTask> done)
      override {
    Hold("GetLipSyncTask", std::move(call), request, std::move(done));
  }
  void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const ::kling::lipsync::v1::ListLipSyncTasksRequest& request,
      upstream::UpstreamCallback<::kling::lipsync::v1::ListLipSyncTasksResponse>
          done) override {
    Hold("ListLipSyncTasks", std::move(call), request, std::move(done));
  }

  // Calls received so far, completed or not.
  std::size_t calls() const {
    absl::MutexLock lock(&mu_);
    return calls_.size();
  }
  // True once at least `n` calls arrived; false after `timeout`.
  bool WaitForCalls(std::size_t n, absl::Duration timeout = absl::Seconds(10)) {
    return PollUntil([this, n] { return calls() >= n; }, timeout);
  }
  // The `i`th call received (0-based). `i` < calls().
  HeldCall call(std::size_t i) const {
    absl::MutexLock lock(&mu_);
    return calls_[i].held;
  }

  // Completes call `i` with `status` (not OK). False, and nothing done, when
  // the call was completed already.
  bool Fail(std::size_t i, const absl::Status& status) {
    Completion completion = Take(i);
    if (!completion.fail) return false;
    completion.fail(status);
    return true;
  }
  // Completes call `i` with `answer`, which must be of the method's answer
  // type (IdentifyFaceResponse, LipSyncTask or ListLipSyncTasksResponse).
  // False, and nothing done, when the call was completed already.
  bool Answer(std::size_t i, const google::protobuf::Message& answer) {
    Completion completion = Take(i);
    if (!completion.answer) return false;
    completion.answer(answer);
    return true;
  }
  // Completes every call not completed yet with `status`.
  void FailAllPending(const absl::Status& status) {
    std::vector<Completion> pending;
    {
      absl::MutexLock lock(&mu_);
      for (Entry& entry : calls_) {
        if (entry.completion.fail)
          pending.push_back(std::move(entry.completion));
        entry.completion = {};
      }
    }
    for (Completion& completion : pending) completion.fail(status);
  }

 private:
  struct Completion {
    std::function<void(const absl::Status&)> fail;
    std::function<void(const google::protobuf::Message&)> answer;
  };
  struct Entry {
    HeldCall held;
    Completion completion;
  };

  template <typename Request, typename Answer>
  void Hold(std::string method, std::shared_ptr<CallContext> call,
            const Request& request, upstream::UpstreamCallback<Answer> done) {
    auto shared_done =
        std::make_shared<upstream::UpstreamCallback<Answer>>(std::move(done));
    Entry entry;
    entry.held = {std::move(method), std::move(call),
                  std::make_shared<Request>(request)};
    entry.completion.fail = [shared_done](const absl::Status& status) {
      (*shared_done)(status);
    };
    entry.completion.answer =
        [shared_done](const google::protobuf::Message& answer) {
          Answer typed;
          typed.CopyFrom(answer);
          (*shared_done)(std::move(typed));
        };
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::move(entry));
  }

  // The completion of call `i`, removed so it runs at most once; it runs
  // outside the lock (it may finish an RPC inline).
  Completion Take(std::size_t i) {
    absl::MutexLock lock(&mu_);
    Completion completion = std::move(calls_.at(i).completion);
    calls_.at(i).completion = {};
    return completion;
  }

  mutable absl::Mutex mu_;
  std::vector<Entry> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_HELD_UPSTREAM_CLIENT_H_

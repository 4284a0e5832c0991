#include "service/server/watch_call.h"

#include <utility>

#include "service/server/grpc_status.h"
#include "service/translate/task_status.h"

namespace lipsync::server {
namespace {

// Statuses only move forward; a lower rank is a stale report.
int Rank(v1::TaskStatus status) {
  switch (status) {
    case v1::TASK_STATUS_SUBMITTED:
      return 1;
    case v1::TASK_STATUS_PROCESSING:
      return 2;
    case v1::TASK_STATUS_SUCCEED:
    case v1::TASK_STATUS_FAILED:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

class WatchCall::Watcher final : public workflow::TaskWatcher {
 public:
  explicit Watcher(WatchCall* call) : call_(call) {}
  void OnTask(const v1::LipSyncTask& task) override {
    absl::MutexLock lock(&mu_);
    if (call_ != nullptr) call_->Deliver(task);
  }
  void OnError(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    if (call_ != nullptr) call_->End(status);
  }
  // After Detach returns, no event reaches the call.
  void Detach() {
    absl::MutexLock lock(&mu_);
    call_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  WatchCall* call_ ABSL_GUARDED_BY(mu_);
};

WatchCall* WatchCall::Start(grpc::CallbackServerContext* context,
                            const v1::WatchLipSyncTaskRequest& request,
                            TraceContext trace,
                            std::shared_ptr<workflow::TaskWatchHub> hub,
                            resilience::Scheduler* scheduler, absl::Time end_by,
                            DoneCallback on_done) {
  auto* call = new WatchCall(request, std::string(trace.trace_id()),
                             std::move(hub), scheduler, std::move(on_done));
  std::shared_ptr<Watcher> watcher = call->watcher_;
  call->end_timer_ = scheduler->Schedule(end_by, [watcher] {
    watcher->OnError(absl::DeadlineExceededError(
        "watch ended by the gateway's maximum watch duration; re-open it"));
  });
  // The call may finish (and be deleted) inside Watch: use only locals.
  std::shared_ptr<workflow::TaskWatchHub> watch_hub = call->hub_;
  watch_hub->Watch(request, watcher, std::move(trace));
  return call;
}

WatchCall::WatchCall(const v1::WatchLipSyncTaskRequest& request,
                     std::string trace_id,
                     std::shared_ptr<workflow::TaskWatchHub> hub,
                     resilience::Scheduler* scheduler, DoneCallback on_done)
    : request_(request),
      trace_id_(std::move(trace_id)),
      hub_(std::move(hub)),
      scheduler_(scheduler),
      on_done_(std::move(on_done)),
      watcher_(std::make_shared<Watcher>(this)) {}

void WatchCall::Deliver(const v1::LipSyncTask& task) {
  absl::MutexLock lock(&mu_);
  if (ending_) return;
  if (last_status_ != v1::TASK_STATUS_UNSPECIFIED &&
      Rank(task.task_status()) <= Rank(last_status_)) {
    return;
  }
  last_status_ = task.task_status();
  pending_.push_back(task);
  if (translate::IsTerminal(task.task_status())) {
    ending_ = true;
    final_status_ = absl::OkStatus();
  }
  WriteNextLocked();
}

void WatchCall::End(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  if (ending_) return;
  ending_ = true;
  final_status_ = status;
  // Updates not yet written are dropped: the stream ends with the error.
  if (!writing_) pending_.clear();
  WriteNextLocked();
}

void WatchCall::WriteNextLocked() {
  if (writing_ || finished_) return;
  if (!pending_.empty()) {
    writing_ = true;
    // deque::push_back never moves existing elements: the pointer stays
    // valid until OnWriteDone pops it.
    StartWrite(&pending_.front());
    return;
  }
  if (ending_) {
    finished_ = true;
    Finish(ToGrpcStatus(final_status_, trace_id_));
  }
}

void WatchCall::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  pending_.pop_front();
  if (!ok) {
    // The stream broke (caller gone); OnCancel follows.
    pending_.clear();
    if (!ending_) {
      ending_ = true;
      final_status_ = absl::CancelledError("watch stream broken");
    }
  }
  WriteNextLocked();
}

void WatchCall::OnCancel() {
  End(absl::CancelledError("watch cancelled by the caller"));
}

void WatchCall::OnDone() {
  watcher_->Detach();
  hub_->Unwatch(request_, watcher_.get());
  scheduler_->Cancel(end_timer_);
  if (on_done_) {
    absl::Status final_status;
    {
      absl::MutexLock lock(&mu_);
      final_status = final_status_;
    }
    on_done_(final_status);
  }
  delete this;
}

}  // namespace lipsync::server

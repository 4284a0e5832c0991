#include "service/resilience/retrying_upstream_client.h"

#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/common/json_log.h"

namespace lipsync::resilience {

namespace v1 = upstream::v1;
using upstream::UpstreamCallback;
using upstream::UpstreamClient;

struct RetryingUpstreamClient::Shared {
  // The base's child, held here too: attempts 2+ start on the Scheduler,
  // possibly after the decorator is gone.
  std::shared_ptr<UpstreamClient> child;
  Scheduler* scheduler;
  RetryOptions options;
  std::shared_ptr<RetryBudget> budget;
  UniformRandom random;
  std::shared_ptr<RetryObserver> observer;
};

namespace {

using Shared = RetryingUpstreamClient::Shared;

// One call's retry loop. Owned by whoever will call it next: the child's
// completion while an attempt runs, the Scheduler's timer while it waits.
template <typename Request, typename Response>
class RetryLoop final
    : public std::enable_shared_from_this<RetryLoop<Request, Response>> {
 public:
  using Method = void (UpstreamClient::*)(std::shared_ptr<CallContext>,
                                          const Request&,
                                          UpstreamCallback<Response>);

  RetryLoop(std::shared_ptr<const Shared> shared, Operation op, Method method,
            std::shared_ptr<CallContext> call,
            std::shared_ptr<const Request> request,
            UpstreamCallback<Response> done)
      : shared_(std::move(shared)),
        op_(op),
        method_(method),
        call_(std::move(call)),
        request_(std::move(request)),
        done_(std::move(done)) {}

  void Start() {
    shared_->budget->RecordRequest();
    StartAttempt();
  }

 private:
  enum class Phase { kAttempting, kWaiting, kDone };

  void StartAttempt() {
    {
      absl::MutexLock lock(&mu_);
      ++attempts_;
    }
    auto self = this->shared_from_this();
    ((*shared_->child).*method_)(call_, *request_,
                                 [self](absl::StatusOr<Response> outcome) {
                                   self->OnAttemptDone(std::move(outcome));
                                 });
  }

  void OnAttemptDone(absl::StatusOr<Response> outcome) {
    if (!outcome.ok()) {
      if (const std::optional<absl::Duration> delay =
              PlanRetry(outcome.status())) {
        Wait(*delay);
        return;
      }
    }
    Finish(std::move(outcome));
  }

  // The delay before the next attempt, or nullopt to end the call with
  // `failure`. Checks run cheapest first; the budget goes last so that a
  // retry the deadline forbids does not use it up.
  std::optional<absl::Duration> PlanRetry(const absl::Status& failure) {
    if (!ClassifyForRetry(op_, failure).retry) return std::nullopt;
    // What the observer logs belongs to this call.
    const ScopedLogTraceId log_trace(call_->trace().trace_id());
    int attempts;
    {
      absl::MutexLock lock(&mu_);
      attempts = attempts_;
    }
    const RetryOptions& options = shared_->options;
    if (attempts >= options.max_attempts) return std::nullopt;
    if (call_->cancelled()) return std::nullopt;
    const absl::Duration delay =
        BackoffDelay(options, attempts, failure, shared_->random());
    if (shared_->scheduler->Now() + delay >
        call_->deadline() - options.deadline_margin) {
      return std::nullopt;
    }
    if (!shared_->budget->TryAcquireRetry()) {
      shared_->observer->OnRetryBudgetExhausted(op_, failure);
      return std::nullopt;
    }
    shared_->observer->OnRetry(op_, attempts + 1, failure);
    return delay;
  }

  void Wait(absl::Duration delay) {
    {
      absl::MutexLock lock(&mu_);
      phase_ = Phase::kWaiting;
    }
    // A weak reference: a strong one would be a cycle (this loop owns call_,
    // whose hook would own this loop) that leaks `done` if the hook is never
    // run or cleared. The hook runs right here if the call is already
    // cancelled, so it is installed without mu_ held.
    std::weak_ptr<RetryLoop> weak = this->shared_from_this();
    const uint64_t token = call_->SetCancelHook([weak] {
      if (auto self = weak.lock()) self->OnCancelledWhileWaiting();
    });
    absl::MutexLock lock(&mu_);
    if (phase_ != Phase::kWaiting) return;  // cancelled: already finished
    hook_token_ = token;
    // Scheduler::Schedule never runs the callback inline, so holding mu_ here
    // only makes an early timer wait until timer_id_ is recorded.
    auto self = this->shared_from_this();
    timer_id_ = shared_->scheduler->Schedule(shared_->scheduler->Now() + delay,
                                             [self] { self->OnTimer(); });
  }

  void OnTimer() {
    uint64_t token;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ != Phase::kWaiting) return;  // lost the race to a cancel
      phase_ = Phase::kAttempting;
      timer_id_ = 0;
      token = hook_token_;
    }
    // The child installs its own hook for the attempt. A cancel that lands in
    // between finds either no hook (the child's SetCancelHook then aborts at
    // once) or ours, which ignores it outside kWaiting: the attempt then
    // fails with CANCELLED, which is never retried.
    call_->ClearCancelHook(token);
    if (call_->cancelled()) {
      Finish(absl::CancelledError("call cancelled between upstream attempts"));
      return;
    }
    StartAttempt();
  }

  void OnCancelledWhileWaiting() {
    uint64_t timer_id;
    UpstreamCallback<Response> done;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ != Phase::kWaiting) return;
      phase_ = Phase::kDone;
      timer_id = timer_id_;
      done = std::move(done_);
    }
    // If the timer is already running, OnTimer sees kDone and does nothing.
    if (timer_id != 0) shared_->scheduler->Cancel(timer_id);
    done(absl::CancelledError("call cancelled between upstream attempts"));
  }

  void Finish(absl::StatusOr<Response> outcome) {
    UpstreamCallback<Response> done;
    {
      absl::MutexLock lock(&mu_);
      if (phase_ == Phase::kDone) return;
      phase_ = Phase::kDone;
      done = std::move(done_);
    }
    done(std::move(outcome));
  }

  const std::shared_ptr<const Shared> shared_;
  const Operation op_;
  const Method method_;
  const std::shared_ptr<CallContext> call_;
  const std::shared_ptr<const Request> request_;

  // Attempts follow one another, but each may complete on another thread
  // and a cancel can race a timer, so the state is guarded.
  absl::Mutex mu_;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kAttempting;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t timer_id_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t hook_token_ ABSL_GUARDED_BY(mu_) = 0;
  UpstreamCallback<Response> done_ ABSL_GUARDED_BY(mu_);
};

template <typename Request, typename Response>
void RunWithRetries(std::shared_ptr<const Shared> shared, Operation op,
                    typename RetryLoop<Request, Response>::Method method,
                    std::shared_ptr<CallContext> call,
                    std::shared_ptr<const Request> request,
                    UpstreamCallback<Response> done) {
  std::make_shared<RetryLoop<Request, Response>>(
      std::move(shared), op, method, std::move(call), std::move(request),
      std::move(done))
      ->Start();
}

std::shared_ptr<RetryObserver> OrNoOp(std::shared_ptr<RetryObserver> observer) {
  return observer ? std::move(observer) : std::make_shared<RetryObserver>();
}

}  // namespace

RetryingUpstreamClient::RetryingUpstreamClient(
    std::shared_ptr<UpstreamClient> child, Scheduler* scheduler,
    const RetryOptions& options, std::shared_ptr<RetryBudget> budget,
    UniformRandom random, std::shared_ptr<RetryObserver> observer)
    : ForwardingUpstreamClient(std::move(child)),
      shared_(std::make_shared<const Shared>(Shared{
          this->child(), scheduler, options,
          budget ? std::move(budget)
                 : std::make_shared<RetryBudget>(
                       options, [scheduler] { return scheduler->Now(); }),
          random ? std::move(random) : MakeUniformRandom(),
          OrNoOp(std::move(observer))})) {}

RetryingUpstreamClient::~RetryingUpstreamClient() = default;

void RetryingUpstreamClient::IdentifyFace(
    std::shared_ptr<CallContext> call, const v1::IdentifyFaceRequest& request,
    UpstreamCallback<v1::IdentifyFaceResponse> done) {
  RunWithRetries<v1::IdentifyFaceRequest, v1::IdentifyFaceResponse>(
      shared_, Operation::kIdentifyFace, &UpstreamClient::IdentifyFace,
      std::move(call), std::make_shared<const v1::IdentifyFaceRequest>(request),
      std::move(done));
}

void RetryingUpstreamClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  // A copy of the view (a pointer and shared Cords: the audio is not
  // copied); the message it points to stays valid until `done` (see the
  // header).
  RunWithRetries<CreateRequest, v1::LipSyncTask>(
      shared_, Operation::kCreateTask, &UpstreamClient::CreateLipSyncTask,
      std::move(call), std::make_shared<const CreateRequest>(request),
      std::move(done));
}

void RetryingUpstreamClient::GetLipSyncTask(
    std::shared_ptr<CallContext> call, const v1::GetLipSyncTaskRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  RunWithRetries<v1::GetLipSyncTaskRequest, v1::LipSyncTask>(
      shared_, Operation::kGetTask, &UpstreamClient::GetLipSyncTask,
      std::move(call),
      std::make_shared<const v1::GetLipSyncTaskRequest>(request),
      std::move(done));
}

void RetryingUpstreamClient::ListLipSyncTasks(
    std::shared_ptr<CallContext> call,
    const v1::ListLipSyncTasksRequest& request,
    UpstreamCallback<v1::ListLipSyncTasksResponse> done) {
  RunWithRetries<v1::ListLipSyncTasksRequest, v1::ListLipSyncTasksResponse>(
      shared_, Operation::kListTasks, &UpstreamClient::ListLipSyncTasks,
      std::move(call),
      std::make_shared<const v1::ListLipSyncTasksRequest>(request),
      std::move(done));
}

}  // namespace lipsync::resilience

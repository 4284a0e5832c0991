// UpstreamClient decorator that re-sends failed calls when that is safe
// (retry_policy.h), after a jittered backoff, within a retry budget and the
// call's deadline. Stack it above the circuit breaker:
// Retrying(CircuitBreaking(Kling)).
#ifndef LIPSYNC_SERVICE_RESILIENCE_RETRYING_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_RESILIENCE_RETRYING_UPSTREAM_CLIENT_H_

#include <memory>

#include "absl/status/status.h"
#include "service/resilience/retry_budget.h"
#include "service/resilience/retry_policy.h"
#include "service/resilience/scheduler.h"
#include "service/upstream/forwarding_upstream_client.h"

namespace lipsync::resilience {

// Hears about retries, e.g. to count them in metrics. Called on whichever
// thread completes an attempt (upstream I/O threads, the Scheduler's),
// concurrently: implementations must be thread-safe and quick. The defaults
// do nothing.
class RetryObserver {
 public:
  virtual ~RetryObserver() = default;
  // Attempt number `attempt` (2, 3, ...) of `op` is scheduled because the
  // previous attempt failed with `cause`.
  virtual void OnRetry(Operation op, int attempt, const absl::Status& cause) {}
  // A retry that policy, attempt limit and deadline allowed was refused by
  // the retry budget; the call ends with `cause`.
  virtual void OnRetryBudgetExhausted(Operation op, const absl::Status& cause) {
  }
};

// Thread-safe if `child` is. Per call:
//   attempt → failure → ClassifyForRetry says retry → attempts <
//   max_attempts → call not cancelled → BackoffDelay → the next attempt
//   would start before deadline − deadline_margin → the budget grants a
//   retry → OnRetry → the next attempt is Schedule()d after the delay → ...
// The first "no" ends the call. `done` runs exactly once: with the first
// success, or the last attempt's status unchanged (ErrorInfo and RetryInfo
// intact), or CANCELLED when the caller cancels while the call waits between
// attempts (the pending timer is cancelled; no further attempt starts). It
// runs on the thread that completes the last attempt (normally an upstream
// I/O thread), on the Scheduler's thread, or on the thread that cancels the
// call; never with a lock of this class held.
//
// Waiting happens on the Scheduler, never by sleeping on an I/O thread.
// Attempts 2+ are started on the Scheduler's thread (starting one does not
// block). The Scheduler must outlive every call: a destroyed TimerQueue drops
// a waiting call without completing it. The decorator itself may be destroyed
// with calls in flight (they share `child` and the policies).
//
// Requests: Get/List/IdentifyFace requests are copied (small). Of a create
// only the CreateRequest view is copied (its audio may be ~7 MB, shared by
// its Cords, and it is re-sent only when it provably never left): the
// message must stay valid until `done` runs, as the gateway's edge keeps it.
class RetryingUpstreamClient final : public upstream::ForwardingUpstreamClient {
 public:
  // `scheduler` is not owned. `budget` may be shared between clients; null
  // makes one from `options` on the scheduler's clock. `random` must be
  // thread-safe; null uses MakeUniformRandom(). `observer` may be null.
  RetryingUpstreamClient(std::shared_ptr<upstream::UpstreamClient> child,
                         Scheduler* scheduler, const RetryOptions& options,
                         std::shared_ptr<RetryBudget> budget = nullptr,
                         UniformRandom random = nullptr,
                         std::shared_ptr<RetryObserver> observer = nullptr);
  ~RetryingUpstreamClient() override;

  void IdentifyFace(
      std::shared_ptr<CallContext> call,
      const upstream::v1::IdentifyFaceRequest& request,
      upstream::UpstreamCallback<upstream::v1::IdentifyFaceResponse> done)
      override;
  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest& request,
      upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) override;
  void GetLipSyncTask(
      std::shared_ptr<CallContext> call,
      const upstream::v1::GetLipSyncTaskRequest& request,
      upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) override;
  void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const upstream::v1::ListLipSyncTasksRequest& request,
      upstream::UpstreamCallback<upstream::v1::ListLipSyncTasksResponse> done)
      override;

  // What every call shares (defined in the .cc): child, scheduler, policies.
  struct Shared;

 private:
  const std::shared_ptr<const Shared> shared_;
};

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_RETRYING_UPSTREAM_CLIENT_H_

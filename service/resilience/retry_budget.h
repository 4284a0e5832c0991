// Caps retries as a fraction of traffic, so that a failing upstream sees at
// most (1 + ratio) × the load instead of max_attempts × the load.
#ifndef LIPSYNC_SERVICE_RESILIENCE_RETRY_BUDGET_H_
#define LIPSYNC_SERVICE_RESILIENCE_RETRY_BUDGET_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/resilience/retry_policy.h"
#include "service/resilience/scheduler.h"

namespace lipsync::resilience {

// Thread-safe. Over a sliding window of `budget_window` (whole seconds, kept
// as a ring of 1-second buckets), retries granted may number at most
// max(budget_min_retries_per_window, budget_ratio × calls recorded). The
// floor lets a quiet gateway still retry; the ratio bounds a busy one.
class RetryBudget {
 public:
  // Reads the budget_* fields of `options` (see ValidateRetryOptions; a
  // window under 1 s is read as 1 s).
  RetryBudget(const RetryOptions& options, Clock clock);
  RetryBudget(const RetryBudget&) = delete;
  RetryBudget& operator=(const RetryBudget&) = delete;

  // Counts one call (once per call, not per attempt).
  void RecordRequest();
  // Takes one retry from the budget: true (and counted) when the window has
  // room for it, false otherwise.
  bool TryAcquireRetry();

 private:
  struct Bucket {
    int64_t second = 0;  // Unix second this bucket counts; stale if too old
    int64_t requests = 0;
    int64_t retries = 0;
  };

  // The bucket of Unix second `now`, emptied if it held an older second.
  Bucket& BucketAt(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t NowSecond() const { return absl::ToUnixSeconds(clock_()); }

  const double ratio_;
  const int64_t min_retries_;
  const Clock clock_;
  absl::Mutex mu_;
  std::vector<Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_RETRY_BUDGET_H_

#include "service/resilience/retry_budget.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace lipsync::resilience {

RetryBudget::RetryBudget(const RetryOptions& options, Clock clock)
    : ratio_(std::max(0.0, options.budget_ratio)),
      min_retries_(std::max(0, options.budget_min_retries_per_window)),
      clock_(std::move(clock)) {
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(
                               options.budget_window, absl::Seconds(1))));
  // An unused bucket counts zeros, so its initial `second` does not matter.
  buckets_.resize(static_cast<std::size_t>(seconds));
}

RetryBudget::Bucket& RetryBudget::BucketAt(int64_t now) {
  const auto size = static_cast<int64_t>(buckets_.size());
  // ((now % size) + size) % size: the clock may be before 1970 in tests.
  Bucket& bucket =
      buckets_[static_cast<std::size_t>(((now % size) + size) % size)];
  if (bucket.second != now) bucket = Bucket{now, 0, 0};
  return bucket;
}

void RetryBudget::RecordRequest() {
  const int64_t now = NowSecond();
  absl::MutexLock lock(&mu_);
  ++BucketAt(now).requests;
}

bool RetryBudget::TryAcquireRetry() {
  const int64_t now = NowSecond();
  absl::MutexLock lock(&mu_);
  Bucket& current = BucketAt(now);
  const auto size = static_cast<int64_t>(buckets_.size());
  int64_t requests = 0;
  int64_t retries = 0;
  for (const Bucket& bucket : buckets_) {
    // A bucket not refreshed within the window is older than the window.
    if (bucket.second > now - size && bucket.second <= now) {
      requests += bucket.requests;
      retries += bucket.retries;
    }
  }
  const auto allowed = std::max(
      min_retries_,
      static_cast<int64_t>(std::floor(ratio_ * static_cast<double>(requests))));
  if (retries >= allowed) return false;
  ++current.retries;
  return true;
}

}  // namespace lipsync::resilience

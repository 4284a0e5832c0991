// A RetryObserver that remembers what it heard.
#ifndef LIPSYNC_TESTS_RESILIENCE_RECORDING_OBSERVER_H_
#define LIPSYNC_TESTS_RESILIENCE_RECORDING_OBSERVER_H_

#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "service/resilience/retrying_upstream_client.h"
#include "tests/support/test_statuses.h"

namespace lipsync::testing_util {

class RecordingObserver final : public resilience::RetryObserver {
 public:
  // (operation, attempt, Kling code of the cause or "")
  using Retry = std::tuple<resilience::Operation, int, std::string>;

  void OnRetry(resilience::Operation op, int attempt,
               const absl::Status& cause) override {
    absl::MutexLock lock(&mu_);
    retries_.emplace_back(op, attempt, KlingCodeOf(cause));
  }
  void OnRetryBudgetExhausted(resilience::Operation op,
                              const absl::Status&) override {
    absl::MutexLock lock(&mu_);
    ++budget_exhausted_;
  }

  std::vector<Retry> retries() {
    absl::MutexLock lock(&mu_);
    return retries_;
  }
  int budget_exhausted() {
    absl::MutexLock lock(&mu_);
    return budget_exhausted_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Retry> retries_ ABSL_GUARDED_BY(mu_);
  int budget_exhausted_ ABSL_GUARDED_BY(mu_) = 0;
};

// Collects the outcome of one call; counts completions so tests can assert
// "exactly once". Thread-safe.
template <typename T>
class Outcome {
 public:
  upstream::UpstreamCallback<T> Callback() {
    return [this](absl::StatusOr<T> outcome) {
      absl::MutexLock lock(&mu_);
      ++completions_;
      outcome_ = std::move(outcome);
    };
  }
  int completions() {
    absl::MutexLock lock(&mu_);
    return completions_;
  }
  // The last outcome; UNKNOWN "not completed" before any.
  absl::StatusOr<T> get() {
    absl::MutexLock lock(&mu_);
    return outcome_;
  }
  absl::Status status() { return get().status(); }

 private:
  absl::Mutex mu_;
  int completions_ ABSL_GUARDED_BY(mu_) = 0;
  absl::StatusOr<T> outcome_ ABSL_GUARDED_BY(mu_) =
      absl::UnknownError("not completed");
};

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_RESILIENCE_RECORDING_OBSERVER_H_

// A Scheduler whose clock only moves when the test says so; due callbacks run
// on the test's thread, inside AdvanceBy().
#ifndef LIPSYNC_TESTS_SUPPORT_FAKE_SCHEDULER_H_
#define LIPSYNC_TESTS_SUPPORT_FAKE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/resilience/scheduler.h"

namespace lipsync::testing_util {

// Thread-safe. Schedule never runs a callback inline, as the contract says.
class FakeScheduler final : public resilience::Scheduler {
 public:
  explicit FakeScheduler(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}

  uint64_t Schedule(absl::Time when, std::function<void()> callback) override {
    absl::MutexLock lock(&mu_);
    const uint64_t id = ++next_id_;
    timers_.emplace(std::make_pair(when, id), std::move(callback));
    return id;
  }

  bool Cancel(uint64_t id) override {
    std::function<void()> dropped;
    absl::MutexLock lock(&mu_);
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        dropped = std::move(it->second);
        timers_.erase(it);
        return true;
      }
    }
    return false;
  }

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }

  // A Clock reading this scheduler's time.
  resilience::Clock AsClock() {
    return [this] { return Now(); };
  }

  // Moves the clock forward by `by`, running each callback due by then in
  // time order, with Now() at that callback's time (callbacks scheduled by
  // callbacks run too when due). At most 10000 callbacks, so a runaway loop
  // fails instead of hanging.
  void AdvanceBy(absl::Duration by) {
    const absl::Time target = Now() + by;
    for (int i = 0; i < 10000; ++i) {
      std::function<void()> callback;
      {
        absl::MutexLock lock(&mu_);
        if (timers_.empty() || timers_.begin()->first.first > target) break;
        now_ = std::max(now_, timers_.begin()->first.first);
        callback = std::move(timers_.begin()->second);
        timers_.erase(timers_.begin());
      }
      callback();
    }
    absl::MutexLock lock(&mu_);
    now_ = std::max(now_, target);
  }

  // Runs the callbacks due now (e.g. ones scheduled with no delay).
  void RunDue() { AdvanceBy(absl::ZeroDuration()); }

  std::size_t pending() const {
    absl::MutexLock lock(&mu_);
    return timers_.size();
  }

  // When the earliest pending callback is due.
  std::optional<absl::Time> next_due() const {
    absl::MutexLock lock(&mu_);
    if (timers_.empty()) return std::nullopt;
    return timers_.begin()->first.first;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::pair<absl::Time, uint64_t>, std::function<void()>> timers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_FAKE_SCHEDULER_H_

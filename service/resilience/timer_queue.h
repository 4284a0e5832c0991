// The production Scheduler: one thread running one-shot timers in time order.
#ifndef LIPSYNC_SERVICE_RESILIENCE_TIMER_QUEUE_H_
#define LIPSYNC_SERVICE_RESILIENCE_TIMER_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/resilience/scheduler.h"

namespace lipsync::resilience {

// Thread-safe. Callbacks run one at a time on the queue's thread, earliest
// `when` first (ties in Schedule order), with no lock held, so they may call
// Schedule and Cancel. A callback that blocks delays every later timer.
// The clock is absl::Now() (wall time).
//
// Destruction stops the thread after the running callback (if any) returns
// and destroys the pending callbacks without running them: whoever scheduled
// them must not rely on them after shutdown. Never destroy a TimerQueue from
// one of its own callbacks.
class TimerQueue final : public Scheduler {
 public:
  TimerQueue();
  ~TimerQueue() override;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  uint64_t Schedule(absl::Time when, std::function<void()> callback) override;
  bool Cancel(uint64_t id) override;
  absl::Time Now() override { return absl::Now(); }

  // Timers scheduled and neither run nor cancelled.
  std::size_t pending() const;

 private:
  // (when, id): the id breaks ties so equal times run in Schedule order.
  using Key = std::pair<absl::Time, uint64_t>;

  void Run();

  mutable absl::Mutex mu_;
  absl::CondVar wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  // An ordered map rather than a heap: Cancel erases in O(log n) instead of
  // leaving tombstones that long-delay timers (watch polling) would pile up.
  std::map<Key, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, absl::Time> when_by_id_ ABSL_GUARDED_BY(mu_);
  // Declared last: started once the members above exist.
  std::thread thread_;
};

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_TIMER_QUEUE_H_

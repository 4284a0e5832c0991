// A clock plus one-shot timers: the seam that lets the retry loop (and the
// watch hub's polling) wait without sleeping on an I/O thread, and lets
// tests drive time by hand.
#ifndef LIPSYNC_SERVICE_RESILIENCE_SCHEDULER_H_
#define LIPSYNC_SERVICE_RESILIENCE_SCHEDULER_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"

namespace lipsync::resilience {

// A time source; must be thread-safe. absl::Now in production, a fake in
// tests.
using Clock = std::function<absl::Time()>;

// Implementations are thread-safe: every method may be called from any
// thread, including from inside a scheduled callback.
class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // Runs `callback` once, at or soon after `when` (at once if `when` has
  // passed), on the scheduler's own thread; the callback must not block.
  // Never runs it inline. Returns a non-zero id for Cancel.
  virtual uint64_t Schedule(absl::Time when,
                            std::function<void()> callback) = 0;

  // Removes a pending callback. True when it will not run; false when it
  // already ran, is running, or `id` is unknown. The callback is destroyed
  // before Cancel returns true.
  virtual bool Cancel(uint64_t id) = 0;

  // The clock that `when` is measured on.
  virtual absl::Time Now() = 0;
};

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_SCHEDULER_H_

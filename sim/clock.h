#ifndef LIPSYNC_SIM_CLOCK_H_
#define LIPSYNC_SIM_CLOCK_H_

#include <cstdint>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kling_sim {

// Returns the current Unix time in milliseconds. Injected so that tests can
// drive the task timeline without sleeping.
using NowMsFn = std::function<int64_t()>;

inline NowMsFn SystemClock() {
  return [] { return absl::ToUnixMillis(absl::Now()); };
}

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_CLOCK_H_

// Waits for a condition by polling with a deadline: tests never sleep a fixed
// time to wait for a state.
#ifndef LIPSYNC_TESTS_SUPPORT_POLL_H_
#define LIPSYNC_TESTS_SUPPORT_POLL_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lipsync::testing_util {

// True as soon as `condition` holds; false if it still does not after
// `timeout`.
inline bool PollUntil(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_POLL_H_

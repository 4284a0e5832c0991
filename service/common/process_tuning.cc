#include "service/common/process_tuning.h"

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

#include <climits>

#include "absl/synchronization/mutex.h"

namespace lipsync {

bool UseMmapForLargeAllocations(std::size_t threshold_bytes) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
  if (threshold_bytes > static_cast<std::size_t>(INT_MAX)) return false;
  // Setting it also turns off glibc's dynamic adjustment of the threshold.
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold_bytes)) == 1;
#else
  (void)threshold_bytes;
  return false;
#endif
}

bool DisableMutexDeadlockDetectionInRelease() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
#else
  return false;
#endif
}

}  // namespace lipsync

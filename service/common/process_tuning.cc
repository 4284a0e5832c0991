#include "service/common/process_tuning.h"

#include "absl/synchronization/mutex.h"

namespace lipsync {

bool DisableMutexDeadlockDetectionInRelease() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
#else
  return false;
#endif
}

}  // namespace lipsync

#include "service/common/process_tuning.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace lipsync {
namespace {

TEST(ProcessTuningTest, DeadlockDetectionIsOffOnlyInRelease) {
#ifdef NDEBUG
  EXPECT_TRUE(DisableMutexDeadlockDetectionInRelease());
  // An inverted lock order, one after the other on one thread (no real
  // deadlock): with detection on, Abseil would report a cycle and abort.
  absl::Mutex a;
  absl::Mutex b;
  {
    absl::MutexLock la(&a);
    absl::MutexLock lb(&b);
  }
  {
    absl::MutexLock lb(&b);
    absl::MutexLock la(&a);
  }
#else
  EXPECT_FALSE(DisableMutexDeadlockDetectionInRelease());
#endif
}

}  // namespace
}  // namespace lipsync

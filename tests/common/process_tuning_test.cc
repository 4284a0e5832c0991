#include "service/common/process_tuning.h"

#include <malloc.h>

#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace lipsync {
namespace {

#if defined(__GLIBC__)
TEST(ProcessTuningTest, LargeBlocksGetTheirOwnMappingEvenAfterALargeFree) {
  ASSERT_TRUE(UseMmapForLargeAllocations(1 << 20));
  // Without the fixed threshold, freeing an 8 MB mmapped block raises
  // glibc's threshold above 8 MB and the next 2 MB block comes from the heap.
  void* big = std::malloc(8 << 20);
  ASSERT_NE(big, nullptr);
  std::free(big);
  const int before = mallinfo2().hblks;
  void* block = std::malloc(2 << 20);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(mallinfo2().hblks, before + 1);
  std::free(block);
  EXPECT_EQ(mallinfo2().hblks, before);
}
#endif

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

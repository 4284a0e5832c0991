#include "service/common/process_tuning.h"

#include <malloc.h>

#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace lipsync {
namespace {

// Sanitizers replace glibc's malloc with their own allocator, which mallopt
// and mallinfo2 do not describe.
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
// malloc uses a mapping only when its heap has no free chunk that fits, so
// this runs in a fresh process (a clean heap), not after other tests.
TEST(ProcessTuningDeathTest, LargeBlocksGetTheirOwnMappingEvenAfterALargeFree) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-executes the binary
  EXPECT_EXIT(
      {
        if (!UseMmapForLargeAllocations(1 << 20)) std::_Exit(2);
        // Without the fixed threshold, freeing an 8 MB mapped block raises
        // glibc's threshold above 8 MB and the next 2 MB block comes from
        // the heap.
        void* volatile big = std::malloc(8 << 20);
        std::free(big);
        const auto before = mallinfo2().hblks;
        void* volatile block = std::malloc(2 << 20);
        const bool mapped = block != nullptr && mallinfo2().hblks == before + 1;
        std::free(block);
        std::_Exit(mapped ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}
#endif

TEST(ProcessTuningTest, RefusesAThresholdGlibcCannotTake) {
  EXPECT_FALSE(UseMmapForLargeAllocations(std::size_t{1} << 40));
}

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

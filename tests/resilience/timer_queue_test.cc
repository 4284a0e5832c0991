#include "service/resilience/timer_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "tests/support/poll.h"

namespace lipsync::resilience {
namespace {

using ::testing::ElementsAre;
using testing_util::PollUntil;

// What ran, in order. Thread-safe.
class Log {
 public:
  std::function<void()> Add(int value) {
    return [this, value] {
      absl::MutexLock lock(&mu_);
      values_.push_back(value);
    };
  }
  std::vector<int> values() {
    absl::MutexLock lock(&mu_);
    return values_;
  }
  std::size_t size() { return values().size(); }

 private:
  absl::Mutex mu_;
  std::vector<int> values_ ABSL_GUARDED_BY(mu_);
};

TEST(TimerQueueTest, RunsCallbacksInTimeOrder) {
  Log log;
  TimerQueue queue;
  const absl::Time base = queue.Now() + absl::Milliseconds(20);
  queue.Schedule(base + absl::Milliseconds(30), log.Add(4));
  queue.Schedule(base + absl::Milliseconds(10), log.Add(2));
  queue.Schedule(base, log.Add(1));
  queue.Schedule(base + absl::Milliseconds(10), log.Add(3));  // tie: FIFO
  ASSERT_TRUE(PollUntil([&] { return log.size() == 4; }));
  EXPECT_THAT(log.values(), ElementsAre(1, 2, 3, 4));
  EXPECT_GE(queue.Now(), base + absl::Milliseconds(30));
}

TEST(TimerQueueTest, RunsAPastTimerPromptlyOnItsOwnThread) {
  TimerQueue queue;
  absl::Mutex mu;
  std::thread::id ran_on;
  bool ran = false;
  queue.Schedule(absl::InfinitePast(), [&] {
    absl::MutexLock lock(&mu);
    ran_on = std::this_thread::get_id();
    ran = true;
  });
  ASSERT_TRUE(PollUntil([&] {
    absl::MutexLock lock(&mu);
    return ran;
  }));
  absl::MutexLock lock(&mu);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(TimerQueueTest, CancelledCallbacksNeverRun) {
  Log log;
  TimerQueue queue;
  const absl::Time soon = queue.Now() + absl::Milliseconds(20);
  const uint64_t cancelled = queue.Schedule(soon, log.Add(1));
  queue.Schedule(soon + absl::Milliseconds(10), log.Add(2));
  EXPECT_TRUE(queue.Cancel(cancelled));
  EXPECT_FALSE(queue.Cancel(cancelled));  // already gone
  EXPECT_FALSE(queue.Cancel(987654));     // never existed
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }));
  EXPECT_THAT(log.values(), ElementsAre(2));
  EXPECT_EQ(queue.pending(), 0u);
}

TEST(TimerQueueTest, CancelAfterRunningReturnsFalse) {
  Log log;
  TimerQueue queue;
  const uint64_t id = queue.Schedule(queue.Now(), log.Add(1));
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }));
  EXPECT_FALSE(queue.Cancel(id));
}

TEST(TimerQueueTest, AnEarlierTimerPreemptsALongWait) {
  Log log;
  TimerQueue queue;
  queue.Schedule(queue.Now() + absl::Hours(1), log.Add(1));
  queue.Schedule(queue.Now() + absl::Milliseconds(5), log.Add(2));
  ASSERT_TRUE(PollUntil([&] { return log.size() == 1; }));
  EXPECT_THAT(log.values(), ElementsAre(2));
  EXPECT_EQ(queue.pending(), 1u);
}

TEST(TimerQueueTest, CallbacksMayScheduleAndCancel) {
  Log log;
  TimerQueue queue;
  const uint64_t doomed =
      queue.Schedule(queue.Now() + absl::Milliseconds(50), log.Add(99));
  queue.Schedule(queue.Now(), [&] {
    queue.Cancel(doomed);
    queue.Schedule(queue.Now() + absl::Milliseconds(1), log.Add(2));
    log.Add(1)();
  });
  ASSERT_TRUE(PollUntil([&] { return log.size() == 2; }));
  EXPECT_EQ(queue.pending(), 0u);
  // Let the cancelled timer's time pass, then check it did not run.
  Log tail;
  queue.Schedule(queue.Now() + absl::Milliseconds(60), tail.Add(0));
  ASSERT_TRUE(PollUntil([&] { return tail.size() == 1; }));
  EXPECT_THAT(log.values(), ElementsAre(1, 2));
}

TEST(TimerQueueTest, DestructionDropsPendingCallbacksWithoutRunningThem) {
  auto owned = std::make_shared<int>(7);
  Log log;
  {
    TimerQueue queue;
    for (int i = 0; i < 100; ++i) {
      queue.Schedule(queue.Now() + absl::Hours(1),
                     [owned, fn = log.Add(i)] { fn(); });
    }
    EXPECT_EQ(owned.use_count(), 101);
  }
  EXPECT_EQ(owned.use_count(), 1);  // every callback destroyed
  EXPECT_EQ(log.size(), 0u);
}

TEST(TimerQueueTest, ManyThreadsScheduleAndCancelConcurrently) {
  Log log;
  TimerQueue queue;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t id =
            queue.Schedule(queue.Now() + absl::Microseconds(i % 7), log.Add(t));
        // Cancel every other one; it may already have run: either is fine.
        if (i % 2 == 0) queue.Cancel(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Callbacks run one at a time in time order: once a later sentinel has
  // run, every earlier callback has finished.
  Log sentinel;
  queue.Schedule(queue.Now() + absl::Milliseconds(10), sentinel.Add(0));
  ASSERT_TRUE(PollUntil([&] { return sentinel.size() == 1; }));
  EXPECT_EQ(queue.pending(), 0u);
  EXPECT_GE(log.size(), static_cast<std::size_t>(kThreads * kPerThread / 2));
  EXPECT_LE(log.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace lipsync::resilience

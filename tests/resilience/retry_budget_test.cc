#include "service/resilience/retry_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "tests/support/fake_scheduler.h"

namespace lipsync::resilience {
namespace {

using testing_util::FakeScheduler;

RetryOptions Budget(double ratio, int floor) {
  RetryOptions options;
  options.budget_ratio = ratio;
  options.budget_min_retries_per_window = floor;
  options.budget_window = absl::Seconds(10);
  return options;
}

int Drain(RetryBudget& budget, int at_most) {
  int granted = 0;
  while (granted < at_most && budget.TryAcquireRetry()) ++granted;
  return granted;
}

TEST(RetryBudgetTest, FloorAllowsRetriesAtLowTraffic) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.1, 10), clock.AsClock());
  budget.RecordRequest();  // 0.1 × 1 call would allow none
  EXPECT_EQ(Drain(budget, 100), 10);
}

TEST(RetryBudgetTest, RatioBoundsRetriesAtHighTraffic) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.1, 10), clock.AsClock());
  for (int i = 0; i < 1000; ++i) budget.RecordRequest();
  EXPECT_EQ(Drain(budget, 1000), 100);
}

TEST(RetryBudgetTest, NoFloorAndNoTrafficMeansNoRetries) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.5, 0), clock.AsClock());
  EXPECT_FALSE(budget.TryAcquireRetry());
  budget.RecordRequest();
  budget.RecordRequest();
  EXPECT_EQ(Drain(budget, 10), 1);
}

TEST(RetryBudgetTest, RetriesLeaveTheWindowAndFreeTheBudget) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.1, 3), clock.AsClock());
  EXPECT_EQ(Drain(budget, 10), 3);
  clock.AdvanceBy(absl::Seconds(9));  // still inside the 10 s window
  EXPECT_FALSE(budget.TryAcquireRetry());
  clock.AdvanceBy(absl::Seconds(1));  // the first second has slid out
  EXPECT_EQ(Drain(budget, 10), 3);
}

TEST(RetryBudgetTest, RequestsLeaveTheWindowToo) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.1, 0), clock.AsClock());
  for (int i = 0; i < 100; ++i) budget.RecordRequest();
  clock.AdvanceBy(absl::Seconds(5));
  EXPECT_EQ(Drain(budget, 100), 10);
  clock.AdvanceBy(absl::Seconds(5));  // calls and retries both expired
  EXPECT_FALSE(budget.TryAcquireRetry());
}

TEST(RetryBudgetTest, SlidesSecondBySecond) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0.5, 0), clock.AsClock());
  for (int second = 0; second < 10; ++second) {
    budget.RecordRequest();
    budget.RecordRequest();
    clock.AdvanceBy(absl::Seconds(1));
  }
  // The window now holds seconds 1..10: 18 calls (second 0 slid out).
  EXPECT_EQ(Drain(budget, 100), 9);
}

TEST(RetryBudgetTest, ConcurrentAcquiresNeverOvershoot) {
  FakeScheduler clock;
  RetryBudget budget(Budget(0, 50), clock.AsClock());
  constexpr int kThreads = 4;
  std::atomic<int> granted{0};
  absl::Barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.Block();
      for (int i = 0; i < 100; ++i) {
        budget.RecordRequest();
        if (budget.TryAcquireRetry()) granted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 50);
}

}  // namespace
}  // namespace lipsync::resilience

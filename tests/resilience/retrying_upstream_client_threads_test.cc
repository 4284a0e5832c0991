// The retry loop on real threads: a TimerQueue, a child that completes on its
// own "I/O" thread, and cancels racing timers. Meant to run under TSan too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "service/resilience/retrying_upstream_client.h"
#include "service/resilience/timer_queue.h"
#include "tests/resilience/recording_observer.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/poll.h"
#include "tests/support/test_statuses.h"

namespace lipsync::resilience {
namespace {

namespace v1 = upstream::v1;
using ::testing::NiceMock;
using testing_util::KlingError;
using testing_util::MockUpstreamClient;
using testing_util::Outcome;
using testing_util::PollUntil;

// Runs posted work on one thread, like an upstream I/O loop.
class IoThread {
 public:
  IoThread() : thread_([this] { Run(); }) {}
  ~IoThread() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      wake_.Signal();
    }
    thread_.join();
  }
  void Post(std::function<void()> work) {
    absl::MutexLock lock(&mu_);
    work_.push_back(std::move(work));
    wake_.Signal();
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> work;
      {
        absl::MutexLock lock(&mu_);
        while (!stopping_ && work_.empty()) wake_.Wait(&mu_);
        if (work_.empty()) return;  // stopping, and everything ran
        work = std::move(work_.front());
        work_.pop_front();
      }
      work();
    }
  }

  absl::Mutex mu_;
  absl::CondVar wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> work_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

RetryOptions FastRetries() {
  RetryOptions options;
  options.initial_backoff = absl::Microseconds(200);
  options.max_backoff = absl::Milliseconds(1);
  options.budget_min_retries_per_window = 1000000;
  return options;
}

TEST(RetryingUpstreamClientThreadsTest, CompletesEveryCallExactlyOnce) {
  IoThread io;
  TimerQueue timers;
  auto child = std::make_shared<NiceMock<MockUpstreamClient>>();
  std::atomic<int> attempts{0};
  // Every third attempt succeeds; the others fail with a retryable 5001.
  ON_CALL(*child, GetLipSyncTask)
      .WillByDefault([&](std::shared_ptr<CallContext>, const auto&,
                         upstream::UpstreamCallback<v1::LipSyncTask> done) {
        const bool ok = attempts.fetch_add(1) % 3 == 2;
        io.Post([done = std::move(done), ok] {
          if (ok) {
            done(v1::LipSyncTask());
          } else {
            done(KlingError(5001, 503));
          }
        });
      });
  RetryingUpstreamClient client(child, &timers, FastRetries());

  constexpr int kCalls = 200;
  std::vector<Outcome<v1::LipSyncTask>> outcomes(kCalls);
  std::vector<std::shared_ptr<CallContext>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(
        std::make_shared<CallContext>(absl::Now() + absl::Seconds(30)));
    client.GetLipSyncTask(calls.back(), {}, outcomes[i].Callback());
    // Cancel a third of the calls at once: the cancel races the attempt's
    // completion on the I/O thread and the backoff timer.
    if (i % 3 == 0) calls.back()->Cancel();
  }
  ASSERT_TRUE(PollUntil([&] {
    for (auto& outcome : outcomes) {
      if (outcome.completions() == 0) return false;
    }
    return true;
  }));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(outcomes[i].completions(), 1) << i;
    const absl::StatusCode code = outcomes[i].status().code();
    EXPECT_TRUE(code == absl::StatusCode::kOk ||
                code == absl::StatusCode::kUnavailable ||
                code == absl::StatusCode::kCancelled)
        << i << ": " << outcomes[i].status();
  }
  EXPECT_LE(attempts.load(), kCalls * 3);
  // No timer is left behind, and a late one would find no call to finish.
  ASSERT_TRUE(PollUntil([&] { return timers.pending() == 0; }));
}

TEST(RetryingUpstreamClientThreadsTest, CancelWhileWaitingOnARealTimer) {
  TimerQueue timers;
  auto child = std::make_shared<NiceMock<MockUpstreamClient>>();
  ON_CALL(*child, ListLipSyncTasks)
      .WillByDefault(testing_util::CompleteWith<v1::ListLipSyncTasksResponse>(
          KlingError(5000, 500, absl::Seconds(5))));  // Retry-After: 5 s
  EXPECT_CALL(*child, ListLipSyncTasks).Times(1);
  RetryingUpstreamClient client(child, &timers, RetryOptions{});
  auto call = std::make_shared<CallContext>(absl::Now() + absl::Seconds(30));
  Outcome<v1::ListLipSyncTasksResponse> outcome;
  client.ListLipSyncTasks(call, {}, outcome.Callback());
  ASSERT_EQ(timers.pending(), 1u);
  std::thread canceller([call] { call->Cancel(); });
  canceller.join();
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(timers.pending(), 0u);
}

}  // namespace
}  // namespace lipsync::resilience

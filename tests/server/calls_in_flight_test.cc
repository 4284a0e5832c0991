// The count the drain waits on.
#include "service/server/calls_in_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"

namespace lipsync::server {
namespace {

TEST(CallsInFlightTest, NoCallIsNoneAtOnce) {
  CallsInFlight calls;
  EXPECT_EQ(calls.count(), 0u);
  EXPECT_TRUE(calls.AwaitNone(absl::InfinitePast()));
}

TEST(CallsInFlightTest, ACallInFlightOutlastsAPassedDeadline) {
  CallsInFlight calls;
  calls.Enter();
  calls.Enter();
  calls.Leave();
  EXPECT_EQ(calls.count(), 1u);
  EXPECT_FALSE(calls.AwaitNone(absl::Now()));
  calls.Leave();
  EXPECT_TRUE(calls.AwaitNone(absl::Now()));
}

TEST(CallsInFlightTest, TheLastCallToLeaveEndsTheWait) {
  CallsInFlight calls;
  calls.Enter();
  std::atomic<bool> none{false};
  std::thread drain([&] { none = calls.AwaitNone(absl::InfiniteFuture()); });
  calls.Leave();
  drain.join();
  EXPECT_TRUE(none.load());
}

}  // namespace
}  // namespace lipsync::server

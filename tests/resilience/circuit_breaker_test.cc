#include "service/resilience/circuit_breaker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "service/resilience/error_reasons.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/test_statuses.h"

namespace lipsync::resilience {
namespace {

using State = CircuitBreaker::State;
using ::testing::ElementsAre;
using ::testing::Pair;
using testing_util::CallerDeadline;
using testing_util::ConnectionRefused;
using testing_util::FakeScheduler;
using testing_util::KlingError;
using testing_util::ProxyAnswer;
using testing_util::ReasonOf;

// Records every transition, in order.
class Transitions {
 public:
  CircuitBreaker::StateListener Listener() {
    return [this](State from, State to) {
      absl::MutexLock lock(&mu_);
      seen_.emplace_back(from, to);
    };
  }
  std::vector<std::pair<State, State>> seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<State, State>> seen_ ABSL_GUARDED_BY(mu_);
};

class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreakerTest()
      : breaker_({.failure_threshold = 3, .cool_down = absl::Seconds(5)},
                 clock_.AsClock(), transitions_.Listener()) {}

  void Fail(int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(breaker_.Admit().ok());
      breaker_.Record(KlingError(5001, 503));
    }
  }

  FakeScheduler clock_;
  Transitions transitions_;
  CircuitBreaker breaker_;
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThreshold) {
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_TRUE(transitions_.seen().empty());
}

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndFailsFast) {
  Fail(3);
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_THAT(transitions_.seen(),
              ElementsAre(Pair(State::kClosed, State::kOpen)));

  clock_.AdvanceBy(absl::Seconds(2));
  const absl::Status refused = breaker_.Admit();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  const auto info = GetErrorInfo(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), kReasonCircuitOpen);
  EXPECT_EQ(info->domain(), kGatewayErrorDomain);
  EXPECT_EQ(info->metadata().at("state"), "open");
  EXPECT_EQ(GetRetryDelay(refused), absl::Seconds(3));
}

TEST_F(CircuitBreakerTest, EveryKindOfUpstreamFailureCounts) {
  for (const absl::Status& failure :
       {ConnectionRefused(), KlingError(5000, 500), ProxyAnswer(502)}) {
    ASSERT_TRUE(breaker_.Admit().ok());
    breaker_.Record(failure);
  }
  EXPECT_EQ(breaker_.state(), State::kOpen);
}

TEST_F(CircuitBreakerTest, AnUpstreamAnswerResetsTheCount) {
  Fail(2);
  breaker_.Record(KlingError(1201, 400));  // Kling answered: it is up
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  breaker_.Record(absl::OkStatus());
  Fail(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
}

TEST_F(CircuitBreakerTest, CallerDeadlinesAndCancelsNeitherCountNorReset) {
  Fail(2);
  for (int i = 0; i < 10; ++i) {
    breaker_.Record(CallerDeadline());
    breaker_.Record(absl::CancelledError("gone"));
  }
  EXPECT_EQ(breaker_.state(), State::kClosed);
  Fail(1);  // the count was kept: 3 in a row now
  EXPECT_EQ(breaker_.state(), State::kOpen);
}

TEST_F(CircuitBreakerTest, AdmitsOneProbeAfterTheCoolDown) {
  Fail(3);
  clock_.AdvanceBy(absl::Seconds(5));
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  const absl::Status second = breaker_.Admit();
  EXPECT_EQ(second.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(second), kReasonCircuitOpen);
  EXPECT_EQ(GetErrorInfo(second)->metadata().at("state"), "half_open");
  EXPECT_EQ(GetRetryDelay(second), absl::Seconds(5));
}

TEST_F(CircuitBreakerTest, HalfOpenAdmitsExactlyOneProbeUnderConcurrency) {
  Fail(3);
  clock_.AdvanceBy(absl::Seconds(5));
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0};
  absl::Barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.Block();
      for (int i = 0; i < 50; ++i) {
        if (breaker_.Admit().ok()) admitted.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(admitted.load(), 1);
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
}

TEST_F(CircuitBreakerTest, ClosesWhenTheProbeSucceeds) {
  Fail(3);
  clock_.AdvanceBy(absl::Seconds(5));
  ASSERT_TRUE(breaker_.Admit().ok());
  breaker_.Record(absl::OkStatus());
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_THAT(transitions_.seen(),
              ElementsAre(Pair(State::kClosed, State::kOpen),
                          Pair(State::kOpen, State::kHalfOpen),
                          Pair(State::kHalfOpen, State::kClosed)));
  Fail(2);  // a fresh count after closing
  EXPECT_EQ(breaker_.state(), State::kClosed);
}

TEST_F(CircuitBreakerTest, ReopensForAFullCoolDownWhenTheProbeFails) {
  Fail(3);
  clock_.AdvanceBy(absl::Seconds(6));
  ASSERT_TRUE(breaker_.Admit().ok());
  clock_.AdvanceBy(absl::Seconds(1));
  breaker_.Record(ConnectionRefused());
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_EQ(GetRetryDelay(breaker_.Admit()), absl::Seconds(5));
  clock_.AdvanceBy(absl::Seconds(4));
  EXPECT_FALSE(breaker_.Admit().ok());
  clock_.AdvanceBy(absl::Seconds(1));
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_THAT(transitions_.seen(),
              ElementsAre(Pair(State::kClosed, State::kOpen),
                          Pair(State::kOpen, State::kHalfOpen),
                          Pair(State::kHalfOpen, State::kOpen),
                          Pair(State::kOpen, State::kHalfOpen)));
}

TEST_F(CircuitBreakerTest, ANeutralProbeOutcomeLetsTheNextCallProbe) {
  Fail(3);
  clock_.AdvanceBy(absl::Seconds(5));
  ASSERT_TRUE(breaker_.Admit().ok());
  breaker_.Record(absl::CancelledError("caller left"));
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  EXPECT_TRUE(breaker_.Admit().ok());
  EXPECT_FALSE(breaker_.Admit().ok());
}

TEST_F(CircuitBreakerTest, LateOutcomesWhileOpenAreIgnored) {
  Fail(3);
  breaker_.Record(absl::OkStatus());
  breaker_.Record(KlingError(5001, 503));
  EXPECT_EQ(breaker_.state(), State::kOpen);
  EXPECT_EQ(GetRetryDelay(breaker_.Admit()), absl::Seconds(5));
}

TEST(ClassifyForBreakerTest, CountsOnlyUpstreamUnavailability) {
  struct Case {
    const char* name;
    absl::Status status;
    BreakerOutcome want;
  };
  CircuitBreaker open({.failure_threshold = 1}, [] { return absl::Now(); });
  open.Record(absl::UnavailableError("down"));
  const Case cases[] = {
      {"ok", absl::OkStatus(), BreakerOutcome::kSuccess},
      {"5000", KlingError(5000, 500), BreakerOutcome::kFailure},
      {"5001", KlingError(5001, 503), BreakerOutcome::kFailure},
      {"5002", KlingError(5002, 504), BreakerOutcome::kFailure},
      {"refused", ConnectionRefused(), BreakerOutcome::kFailure},
      {"proxy 503", ProxyAnswer(503), BreakerOutcome::kFailure},
      {"1201", KlingError(1201, 400), BreakerOutcome::kSuccess},
      {"1203", KlingError(1203, 404), BreakerOutcome::kSuccess},
      {"1302", KlingError(1302, 429), BreakerOutcome::kSuccess},
      {"1303", KlingError(1303, 429), BreakerOutcome::kSuccess},
      {"1000", KlingError(1000, 401), BreakerOutcome::kSuccess},
      {"caller deadline", CallerDeadline(), BreakerOutcome::kNeutral},
      {"cancelled", absl::CancelledError("x"), BreakerOutcome::kNeutral},
      {"bad answer", ProxyAnswer(200), BreakerOutcome::kNeutral},
      {"proxy 429", ProxyAnswer(429), BreakerOutcome::kNeutral},
      {"internal", absl::InternalError("x"), BreakerOutcome::kNeutral},
      {"circuit open", open.Admit(), BreakerOutcome::kNeutral},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyForBreaker(c.status), c.want) << c.name;
  }
}

TEST(ValidateCircuitBreakerOptionsTest, RejectsBadFields) {
  EXPECT_TRUE(ValidateCircuitBreakerOptions({}).ok());
  EXPECT_EQ(ValidateCircuitBreakerOptions({.failure_threshold = 0}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ValidateCircuitBreakerOptions({.cool_down = absl::ZeroDuration()}).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(StateNameTest, NamesEveryState) {
  EXPECT_EQ(StateName(State::kClosed), "closed");
  EXPECT_EQ(StateName(State::kOpen), "open");
  EXPECT_EQ(StateName(State::kHalfOpen), "half_open");
}

}  // namespace
}  // namespace lipsync::resilience

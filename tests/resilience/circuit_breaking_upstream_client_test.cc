#include "service/resilience/circuit_breaking_upstream_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "service/resilience/error_reasons.h"
#include "service/resilience/retrying_upstream_client.h"
#include "tests/resilience/recording_observer.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/test_statuses.h"

namespace lipsync::resilience {
namespace {

namespace v1 = upstream::v1;
using State = CircuitBreaker::State;
using ::testing::StrictMock;
using testing_util::CompleteWith;
using testing_util::FakeScheduler;
using testing_util::KlingCodeOf;
using testing_util::KlingError;
using testing_util::MockUpstreamClient;
using testing_util::Outcome;
using testing_util::ReasonOf;

class CircuitBreakingUpstreamClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<CallContext> Call() {
    return std::make_shared<CallContext>(scheduler_.Now() + absl::Seconds(30));
  }

  FakeScheduler scheduler_;
  std::shared_ptr<StrictMock<MockUpstreamClient>> child_ =
      std::make_shared<StrictMock<MockUpstreamClient>>();
  std::shared_ptr<CircuitBreaker> breaker_ = std::make_shared<CircuitBreaker>(
      CircuitBreakerOptions{.failure_threshold = 2,
                            .cool_down = absl::Seconds(5)},
      scheduler_.AsClock());
  CircuitBreakingUpstreamClient client_{child_, breaker_};
};

TEST_F(CircuitBreakingUpstreamClientTest, PassesAnswersThroughUnchanged) {
  v1::IdentifyFaceResponse face;
  face.set_session_id("sess");
  const absl::Status refused = KlingError(1201, 400);
  EXPECT_CALL(*child_, IdentifyFace)
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(face));
  EXPECT_CALL(*child_, CreateLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(refused));
  Outcome<v1::IdentifyFaceResponse> identified;
  client_.IdentifyFace(Call(), {}, identified.Callback());
  Outcome<v1::LipSyncTask> created;
  const v1::CreateLipSyncTaskRequest create;
  client_.CreateLipSyncTask(Call(), create, created.Callback());
  ASSERT_TRUE(identified.get().ok());
  EXPECT_EQ(identified.get()->session_id(), "sess");
  EXPECT_EQ(created.status(), refused);  // payloads included
}

TEST_F(CircuitBreakingUpstreamClientTest, FailsFastOnceOpenWithoutTheChild) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .Times(2)
      .WillRepeatedly(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  for (int i = 0; i < 2; ++i) {
    Outcome<v1::LipSyncTask> outcome;
    client_.GetLipSyncTask(Call(), {}, outcome.Callback());
    EXPECT_EQ(KlingCodeOf(outcome.status()), "5001");
  }
  EXPECT_EQ(breaker_->state(), State::kOpen);

  // The StrictMock fails the test if any of these reaches the child.
  Outcome<v1::LipSyncTask> got;
  client_.GetLipSyncTask(Call(), {}, got.Callback());
  Outcome<v1::ListLipSyncTasksResponse> listed;
  client_.ListLipSyncTasks(Call(), {}, listed.Callback());
  for (const absl::Status& refused : {got.status(), listed.status()}) {
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(ReasonOf(refused), kReasonCircuitOpen);
    EXPECT_EQ(GetRetryDelay(refused), absl::Seconds(5));
  }
}

TEST_F(CircuitBreakingUpstreamClientTest, OneProbeClosesTheBreaker) {
  breaker_->Record(KlingError(5001, 503));
  breaker_->Record(KlingError(5001, 503));
  scheduler_.AdvanceBy(absl::Seconds(5));

  // The probe is held in flight by the child; a second call fails fast.
  upstream::UpstreamCallback<v1::LipSyncTask> probe_done;
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce([&](auto, const auto&, auto done) { probe_done = done; });
  Outcome<v1::LipSyncTask> probe;
  client_.GetLipSyncTask(Call(), {}, probe.Callback());
  Outcome<v1::LipSyncTask> other;
  client_.GetLipSyncTask(Call(), {}, other.Callback());
  EXPECT_EQ(ReasonOf(other.status()), kReasonCircuitOpen);
  EXPECT_EQ(breaker_->state(), State::kHalfOpen);

  probe_done(v1::LipSyncTask());
  EXPECT_TRUE(probe.get().ok());
  EXPECT_EQ(breaker_->state(), State::kClosed);
}

TEST_F(CircuitBreakingUpstreamClientTest, RecordsAfterTheDecoratorIsGone) {
  upstream::UpstreamCallback<v1::LipSyncTask> pending[2];
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce([&](auto, const auto&, auto done) { pending[0] = done; })
      .WillOnce([&](auto, const auto&, auto done) { pending[1] = done; });
  Outcome<v1::LipSyncTask> outcome;
  {
    CircuitBreakingUpstreamClient scoped(child_, breaker_);
    scoped.GetLipSyncTask(Call(), {}, outcome.Callback());
    scoped.GetLipSyncTask(Call(), {}, outcome.Callback());
  }
  pending[0](KlingError(5000, 500));
  pending[1](KlingError(5000, 500));
  EXPECT_EQ(outcome.completions(), 2);
  EXPECT_EQ(breaker_->state(), State::kOpen);
}

// The factory's stack: each retry attempt is gated by the breaker, and a
// breaker that opens mid-call ends the call at once.
TEST_F(CircuitBreakingUpstreamClientTest, StackedUnderRetriesGatesEachAttempt) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .Times(2)
      .WillRepeatedly(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  auto observer = std::make_shared<testing_util::RecordingObserver>();
  RetryingUpstreamClient retrying(
      std::make_shared<CircuitBreakingUpstreamClient>(child_, breaker_),
      &scheduler_, RetryOptions{}, nullptr, [] { return 0.5; }, observer);
  Outcome<v1::LipSyncTask> outcome;
  retrying.GetLipSyncTask(Call(), {}, outcome.Callback());
  scheduler_.AdvanceBy(absl::Minutes(1));

  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(ReasonOf(outcome.status()), kReasonCircuitOpen);
  EXPECT_EQ(observer->retries().size(), 2u);  // the 3rd attempt failed fast
  EXPECT_EQ(scheduler_.pending(), 0u);
}

}  // namespace
}  // namespace lipsync::resilience

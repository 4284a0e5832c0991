#include "service/resilience/retrying_upstream_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "tests/resilience/recording_observer.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/test_statuses.h"

namespace lipsync::resilience {
namespace {

namespace v1 = upstream::v1;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::Property;
using ::testing::Ref;
using ::testing::StrictMock;
using testing_util::CallerDeadline;
using testing_util::CompleteWith;
using testing_util::ConnectionRefused;
using testing_util::FakeScheduler;
using testing_util::KlingCodeOf;
using testing_util::KlingError;
using testing_util::MockUpstreamClient;
using testing_util::Outcome;
using testing_util::ProxyAnswer;
using testing_util::RecordingObserver;
using testing_util::ResetAfterSend;

v1::LipSyncTask Task(const std::string& id) {
  v1::LipSyncTask task;
  task.set_task_id(id);
  return task;
}

// A CreateRequest that views exactly `message` (the same object).
auto OfMessage(const v1::CreateLipSyncTaskRequest& message) {
  return Property(&CreateRequest::message, Ref(message));
}

// A CreateRequest whose first face's audio is `*message`'s own bytes (the
// same memory: the audio was not copied on the way). A pointer, because a
// matcher keeps copies of its parameters.
MATCHER_P(SharesAudioOf, message, "") {
  const auto flat = arg.sound_file_bytes(0).TryFlat();
  return flat.has_value() &&
         flat->data() == message->face_choose(0).sound_file_bytes().data();
}

class RetryingUpstreamClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RetryingUpstreamClient> Make(RetryOptions options = {}) {
    return std::make_unique<RetryingUpstreamClient>(
        child_, &scheduler_, options, nullptr, [this] { return draw_; },
        observer_);
  }
  std::shared_ptr<CallContext> Call(
      absl::Duration timeout = absl::Seconds(30)) {
    return std::make_shared<CallContext>(scheduler_.Now() + timeout);
  }
  // Lets every pending backoff elapse (bounded: FakeScheduler caps the work).
  void RunAllTimers() { scheduler_.AdvanceBy(absl::Minutes(10)); }

  FakeScheduler scheduler_;
  std::shared_ptr<StrictMock<MockUpstreamClient>> child_ =
      std::make_shared<StrictMock<MockUpstreamClient>>();
  std::shared_ptr<RecordingObserver> observer_ =
      std::make_shared<RecordingObserver>();
  double draw_ = 0.5;  // the injected "random" draw
};

TEST_F(RetryingUpstreamClientTest, GetSucceedsOnTheThirdAttempt) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)))
      .WillOnce(CompleteWith<v1::LipSyncTask>(ResetAfterSend()))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task("t1")));
  auto client = Make();
  const absl::Time start = scheduler_.Now();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(Call(), {}, outcome.Callback());

  // Waiting on the scheduler, not on the caller's thread: 0.5 × 100 ms.
  EXPECT_EQ(outcome.completions(), 0);
  EXPECT_EQ(scheduler_.next_due(), start + absl::Milliseconds(50));
  scheduler_.AdvanceBy(absl::Milliseconds(50));
  // Second backoff: 0.5 × 200 ms.
  EXPECT_EQ(scheduler_.next_due(), start + absl::Milliseconds(150));
  RunAllTimers();

  EXPECT_EQ(outcome.completions(), 1);
  ASSERT_TRUE(outcome.get().ok());
  EXPECT_EQ(outcome.get()->task_id(), "t1");
  EXPECT_THAT(observer_->retries(),
              ElementsAre(FieldsAre(Operation::kGetTask, 2, "5001"),
                          FieldsAre(Operation::kGetTask, 3, "")));
}

TEST_F(RetryingUpstreamClientTest, StopsAtMaxAttemptsWithTheLastStatus) {
  EXPECT_CALL(*child_, ListLipSyncTasks)
      .Times(3)
      .WillRepeatedly(
          CompleteWith<v1::ListLipSyncTasksResponse>(KlingError(5002, 504)));
  auto client = Make();
  Outcome<v1::ListLipSyncTasksResponse> outcome;
  client->ListLipSyncTasks(Call(), {}, outcome.Callback());
  RunAllTimers();
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(KlingCodeOf(outcome.status()), "5002");
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(RetryingUpstreamClientTest, OneAttemptMeansNoRetry) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(ProxyAnswer(503)));
  RetryOptions options;
  options.max_attempts = 1;
  auto client = Make(options);
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(Call(), {}, outcome.Callback());
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(RetryingUpstreamClientTest, NeverResendsACreateThatMayHaveReachedKling) {
  for (const absl::Status& failure :
       {KlingError(5001, 503), KlingError(5000, 500), ResetAfterSend(),
        KlingError(1302, 429), CallerDeadline()}) {
    v1::CreateLipSyncTaskRequest request;
    request.set_session_id("s1");
    // The 7 MB request is passed through, not copied: the child sees the
    // caller's own message.
    EXPECT_CALL(*child_, CreateLipSyncTask(_, OfMessage(request), _))
        .WillOnce(CompleteWith<v1::LipSyncTask>(failure));
    auto client = Make();
    Outcome<v1::LipSyncTask> outcome;
    client->CreateLipSyncTask(Call(), request, outcome.Callback());
    RunAllTimers();
    EXPECT_EQ(outcome.completions(), 1) << failure;
    EXPECT_EQ(outcome.status(), failure);
    ::testing::Mock::VerifyAndClearExpectations(child_.get());
  }
  EXPECT_TRUE(observer_->retries().empty());
}

TEST_F(RetryingUpstreamClientTest, ResendsACreateThatNeverReachedKling) {
  v1::CreateLipSyncTaskRequest request;
  request.set_session_id("s1");
  request.add_face_choose()->set_sound_file_bytes(std::string(5000, 'a'));
  EXPECT_CALL(*child_,
              CreateLipSyncTask(
                  _, AllOf(OfMessage(request), SharesAudioOf(&request)), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(ConnectionRefused()))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task("t2")));
  auto client = Make();
  Outcome<v1::LipSyncTask> outcome;
  client->CreateLipSyncTask(Call(), request, outcome.Callback());
  RunAllTimers();
  ASSERT_TRUE(outcome.get().ok());
  EXPECT_EQ(outcome.get()->task_id(), "t2");
  EXPECT_THAT(observer_->retries(),
              ElementsAre(FieldsAre(Operation::kCreateTask, 2, "")));
}

TEST_F(RetryingUpstreamClientTest, IdentifyFaceIsBilledToo) {
  v1::IdentifyFaceResponse face;
  face.set_session_id("sess");
  EXPECT_CALL(*child_, IdentifyFace)
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(ConnectionRefused()))
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(KlingError(5001, 503)));
  auto client = Make();
  Outcome<v1::IdentifyFaceResponse> outcome;
  client->IdentifyFace(Call(), {}, outcome.Callback());
  RunAllTimers();
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(KlingCodeOf(outcome.status()), "5001");  // not re-sent after 5001
}

TEST_F(RetryingUpstreamClientTest, DoesNotRetryAnswersThatWouldNotChange) {
  for (const absl::Status& failure :
       {KlingError(1203, 404), KlingError(1303, 429), KlingError(1101, 429),
        CallerDeadline(), absl::CancelledError("x")}) {
    EXPECT_CALL(*child_, GetLipSyncTask)
        .WillOnce(CompleteWith<v1::LipSyncTask>(failure));
    auto client = Make();
    Outcome<v1::LipSyncTask> outcome;
    client->GetLipSyncTask(Call(), {}, outcome.Callback());
    EXPECT_EQ(outcome.completions(), 1);
    EXPECT_EQ(outcome.status(), failure);
    EXPECT_EQ(scheduler_.pending(), 0u);
    ::testing::Mock::VerifyAndClearExpectations(child_.get());
  }
}

TEST_F(RetryingUpstreamClientTest, WaitsAtLeastTheUpstreamsRetryAfter) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(
          KlingError(1302, 429, absl::Milliseconds(1500))))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task("t3")));
  auto client = Make();
  const absl::Time start = scheduler_.Now();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(Call(), {}, outcome.Callback());
  EXPECT_EQ(scheduler_.next_due(), start + absl::Milliseconds(1500));
  scheduler_.AdvanceBy(absl::Milliseconds(1499));
  EXPECT_EQ(outcome.completions(), 0);  // the mock would fail a 2nd call here
  scheduler_.AdvanceBy(absl::Milliseconds(1));
  ASSERT_TRUE(outcome.get().ok());
}

TEST_F(RetryingUpstreamClientTest, NoRetryThatWouldEndPastTheDeadline) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(
          KlingError(1302, 429, absl::Seconds(2))));
  auto client = Make();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(Call(absl::Seconds(1)), {}, outcome.Callback());
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(KlingCodeOf(outcome.status()), "1302");
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_TRUE(observer_->retries().empty());
}

TEST_F(RetryingUpstreamClientTest, TheDeadlineMarginCounts) {
  // ~100 ms backoff fits 120 ms, but not 120 ms minus the 50 ms margin.
  draw_ = 0.9999;
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  auto client = Make();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(Call(absl::Milliseconds(120)), {}, outcome.Callback());
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(RetryingUpstreamClientTest, CancelBetweenAttemptsEndsWithCancelled) {
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  auto client = Make();
  auto call = Call();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(call, {}, outcome.Callback());
  ASSERT_EQ(scheduler_.pending(), 1u);

  call->Cancel();
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(scheduler_.pending(), 0u);  // the timer was cancelled
  RunAllTimers();                       // and no attempt follows
  EXPECT_EQ(outcome.completions(), 1);
}

TEST_F(RetryingUpstreamClientTest, ACancelledCallIsNotRetried) {
  auto call = Call();
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce([&](auto, const auto&,
                    upstream::UpstreamCallback<v1::LipSyncTask> done) {
        call->Cancel();  // the caller leaves while the attempt fails
        done(KlingError(5001, 503));
      });
  auto client = Make();
  Outcome<v1::LipSyncTask> outcome;
  client->GetLipSyncTask(call, {}, outcome.Callback());
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_EQ(KlingCodeOf(outcome.status()), "5001");
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(RetryingUpstreamClientTest, BudgetExhaustionStopsRetries) {
  RetryOptions options;
  options.budget_ratio = 0;
  options.budget_min_retries_per_window = 1;
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task("t4")))
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  auto client = Make(options);

  Outcome<v1::LipSyncTask> first;
  client->GetLipSyncTask(Call(), {}, first.Callback());
  scheduler_.AdvanceBy(absl::Seconds(1));  // well inside the budget window
  ASSERT_TRUE(first.get().ok());           // the floor allowed one retry

  Outcome<v1::LipSyncTask> second;
  client->GetLipSyncTask(Call(), {}, second.Callback());
  EXPECT_EQ(second.completions(), 1);
  EXPECT_EQ(KlingCodeOf(second.status()), "5001");
  EXPECT_EQ(observer_->budget_exhausted(), 1);
  EXPECT_EQ(observer_->retries().size(), 1u);
}

TEST_F(RetryingUpstreamClientTest, ASharedBudgetSpansClients) {
  RetryOptions options;
  options.budget_ratio = 0;
  options.budget_min_retries_per_window = 0;
  auto budget = std::make_shared<RetryBudget>(options, scheduler_.AsClock());
  EXPECT_CALL(*child_, GetLipSyncTask)
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(5001, 503)));
  RetryingUpstreamClient client(child_, &scheduler_, options, budget,
                                [] { return 0.5; });
  Outcome<v1::LipSyncTask> outcome;
  client.GetLipSyncTask(Call(), {}, outcome.Callback());
  EXPECT_EQ(outcome.completions(), 1);
}

TEST_F(RetryingUpstreamClientTest, CallsOutliveTheDecorator) {
  EXPECT_CALL(*child_, ListLipSyncTasks)
      .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(ProxyAnswer(502)))
      .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(
          v1::ListLipSyncTasksResponse()));
  auto client = Make();
  Outcome<v1::ListLipSyncTasksResponse> outcome;
  client->ListLipSyncTasks(Call(), {}, outcome.Callback());
  client.reset();
  RunAllTimers();
  EXPECT_EQ(outcome.completions(), 1);
  EXPECT_TRUE(outcome.get().ok());
}

}  // namespace
}  // namespace lipsync::resilience

// TaskWatchHub: one shared poller per task, every watcher told of each
// change once, and the poller's life (terminal status, last watcher out,
// shutdown). The schedule and the errors: task_watch_hub_schedule_test.cc.
#include "service/workflow/task_watch_hub.h"

#include <cstddef>
#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/workflow/task_watch_hub_fixture.h"

namespace lipsync::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(TaskWatchHubTest, PollsAtOnceWhenTheFirstWatcherArrives) {
  const auto watcher = Watch(ByTaskId("825"));

  ASSERT_EQ(gets_, 1);
  EXPECT_EQ(polls_.front().request.task_id(), "825");
  EXPECT_EQ(polls_.front().request.external_task_id(), "");
  EXPECT_EQ(polls_.front().call->deadline(),
            scheduler_.Now() + options_.poll_timeout);
  // The next poll is scheduled once this one is answered, not before.
  EXPECT_EQ(scheduler_.pending(), 0U);
  EXPECT_EQ(Hub().active_pollers(), 1U);
}

TEST_F(TaskWatchHubTest, WatchersOfOneTaskShareOnePoller) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("825"));
  const auto c = Watch(ByTaskId("825"));
  EXPECT_EQ(gets_, 1);

  Answer(v1::TASK_STATUS_SUBMITTED);
  for (int i = 0; i < 5; ++i) {
    FireNextTimer();
    Answer(v1::TASK_STATUS_PROCESSING);
  }

  EXPECT_EQ(gets_, 6);  // one per poll, not one per watcher
  EXPECT_EQ(Hub().polls_started(), 6U);
  EXPECT_EQ(Hub().active_pollers(), 1U);
  for (const auto& watcher : {a, b, c}) {
    EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED,
                                                 v1::TASK_STATUS_PROCESSING));
  }
}

TEST_F(TaskWatchHubTest, EachTaskHasItsOwnPoller) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("826"));
  // The same text as an external id names another task.
  const auto c = Watch(ByExternalId("825"));

  ASSERT_EQ(gets_, 3);
  EXPECT_EQ(Hub().active_pollers(), 3U);
  EXPECT_EQ(polls_[1].request.task_id(), "826");
  EXPECT_EQ(polls_[2].request.task_id(), "");
  EXPECT_EQ(polls_[2].request.external_task_id(), "825");

  Answer(Task(v1::TASK_STATUS_SUBMITTED, "825"));
  EXPECT_THAT(a->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED));
  EXPECT_THAT(b->statuses(), IsEmpty());
  EXPECT_THAT(c->statuses(), IsEmpty());
}

TEST_F(TaskWatchHubTest, WatchersOfOneExternalIdShareOnePoller) {
  const auto a = Watch(ByExternalId("caller-42"));
  const auto b = Watch(ByExternalId("caller-42"));
  EXPECT_EQ(gets_, 1);

  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(a->statuses(), ElementsAre(v1::TASK_STATUS_PROCESSING));
  EXPECT_THAT(b->statuses(), ElementsAre(v1::TASK_STATUS_PROCESSING));
}

TEST_F(TaskWatchHubTest, EveryWatcherHearsEachChangeOnceAndNoRepeats) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("825"));

  const std::vector<v1::TaskStatus> answers = {
      v1::TASK_STATUS_SUBMITTED,  v1::TASK_STATUS_SUBMITTED,
      v1::TASK_STATUS_PROCESSING, v1::TASK_STATUS_PROCESSING,
      v1::TASK_STATUS_PROCESSING, v1::TASK_STATUS_SUCCEED};
  Answer(answers[0]);
  for (std::size_t i = 1; i < answers.size(); ++i) {
    FireNextTimer();
    Answer(answers[i]);
  }

  for (const auto& watcher : {a, b}) {
    EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED,
                                                 v1::TASK_STATUS_PROCESSING,
                                                 v1::TASK_STATUS_SUCCEED));
    EXPECT_THAT(watcher->errors(), IsEmpty());
  }
}

TEST_F(TaskWatchHubTest, AWatcherHearsTheWholeTaskOfAChange) {
  const auto watcher = Watch(ByTaskId("825"));
  v1::LipSyncTask done = Task(v1::TASK_STATUS_SUCCEED);
  done.mutable_task_result()->add_videos()->set_url("https://cdn.test/out.mp4");
  done.set_request_id("req-7");
  Answer(done);

  ASSERT_EQ(watcher->tasks().size(), 1U);
  EXPECT_EQ(watcher->tasks()[0].task_result().videos(0).url(),
            "https://cdn.test/out.mp4");
  EXPECT_EQ(watcher->tasks()[0].request_id(), "req-7");
}

TEST_F(TaskWatchHubTest, ALateJoinerGetsTheCurrentStatusWithoutAPoll) {
  const auto first = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_PROCESSING);

  const auto late = Watch(ByTaskId("825"));
  EXPECT_THAT(late->statuses(), ElementsAre(v1::TASK_STATUS_PROCESSING));
  EXPECT_EQ(gets_, 1);

  FireNextTimer();
  Answer(v1::TASK_STATUS_SUCCEED);
  EXPECT_THAT(late->statuses(),
              ElementsAre(v1::TASK_STATUS_PROCESSING, v1::TASK_STATUS_SUCCEED));
  EXPECT_THAT(first->statuses(),
              ElementsAre(v1::TASK_STATUS_PROCESSING, v1::TASK_STATUS_SUCCEED));
}

TEST_F(TaskWatchHubTest, AJoinerBeforeTheFirstAnswerWaitsForIt) {
  const auto first = Watch(ByTaskId("825"));
  const auto second = Watch(ByTaskId("825"));
  EXPECT_THAT(second->statuses(), IsEmpty());

  Answer(v1::TASK_STATUS_SUBMITTED);
  EXPECT_EQ(gets_, 1);
  EXPECT_THAT(second->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED));
}

TEST_F(TaskWatchHubTest, StopsAfterATerminalStatus) {
  for (v1::TaskStatus terminal :
       {v1::TASK_STATUS_SUCCEED, v1::TASK_STATUS_FAILED}) {
    SCOPED_TRACE(v1::TaskStatus_Name(terminal));
    const int gets_before = gets_;
    const auto watcher = Watch(ByTaskId("825"));
    Answer(v1::TASK_STATUS_PROCESSING);
    FireNextTimer();
    Answer(terminal);

    EXPECT_EQ(Hub().active_pollers(), 0U);
    EXPECT_EQ(scheduler_.pending(), 0U);
    scheduler_.AdvanceBy(absl::Hours(1));
    EXPECT_EQ(gets_, gets_before + 2);
    // The hub let go of the watcher.
    EXPECT_EQ(watcher.use_count(), 1);
  }
}

TEST_F(TaskWatchHubTest, AWatchAfterTheEndPollsAfresh) {
  const auto first = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_SUCCEED);

  const auto again = Watch(ByTaskId("825"));
  EXPECT_EQ(gets_, 2);
  EXPECT_THAT(again->statuses(), IsEmpty());
  Answer(v1::TASK_STATUS_SUCCEED);
  EXPECT_THAT(again->statuses(), ElementsAre(v1::TASK_STATUS_SUCCEED));
}

TEST_F(TaskWatchHubTest, TheLastWatcherLeavingCancelsTheTimer) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_PROCESSING);
  ASSERT_EQ(scheduler_.pending(), 1U);

  Hub().Unwatch(ByTaskId("825"), a.get());
  EXPECT_EQ(Hub().active_pollers(), 1U);
  EXPECT_EQ(scheduler_.pending(), 1U);
  EXPECT_EQ(a.use_count(), 1);

  Hub().Unwatch(ByTaskId("825"), b.get());
  EXPECT_EQ(Hub().active_pollers(), 0U);
  EXPECT_EQ(scheduler_.pending(), 0U);
  scheduler_.AdvanceBy(absl::Hours(1));
  EXPECT_EQ(gets_, 1);
}

TEST_F(TaskWatchHubTest, AWatcherThatLeftHearsNothingMore) {
  const auto stays = Watch(ByTaskId("825"));
  const auto leaves = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_SUBMITTED);
  Hub().Unwatch(ByTaskId("825"), leaves.get());

  FireNextTimer();
  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(leaves->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED));
  EXPECT_THAT(stays->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED,
                                             v1::TASK_STATUS_PROCESSING));
}

TEST_F(TaskWatchHubTest, LeavingDuringAPollDropsItsAnswer) {
  const auto watcher = Watch(ByTaskId("825"));
  Hub().Unwatch(ByTaskId("825"), watcher.get());
  EXPECT_EQ(Hub().active_pollers(), 0U);

  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(watcher->statuses(), IsEmpty());
  EXPECT_EQ(scheduler_.pending(), 0U);
}

TEST_F(TaskWatchHubTest, ANewPollerIgnoresTheLateAnswerOfTheOldOne) {
  const auto gone = Watch(ByTaskId("825"));
  Hub().Unwatch(ByTaskId("825"), gone.get());
  const auto watcher = Watch(ByTaskId("825"));
  ASSERT_EQ(gets_, 2);

  Answer(v1::TASK_STATUS_SUCCEED);  // the first poller's GET
  EXPECT_THAT(watcher->statuses(), IsEmpty());
  EXPECT_EQ(Hub().active_pollers(), 1U);

  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_PROCESSING));
  EXPECT_EQ(scheduler_.pending(), 1U);
}

TEST_F(TaskWatchHubTest, UnwatchIsIdempotentAndIgnoresStrangers) {
  const auto watcher = Watch(ByTaskId("825"));
  testing_util::RecordingTaskWatcher stranger;
  Hub().Unwatch(ByTaskId("825"), &stranger);
  Hub().Unwatch(ByTaskId("999"), watcher.get());
  EXPECT_EQ(Hub().active_pollers(), 1U);

  Hub().Unwatch(ByTaskId("825"), watcher.get());
  Hub().Unwatch(ByTaskId("825"), watcher.get());
  EXPECT_EQ(Hub().active_pollers(), 0U);
}

TEST_F(TaskWatchHubTest, ShutdownStopsEveryPoller) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("826"));
  Answer(Task(v1::TASK_STATUS_SUBMITTED, "825"));
  ASSERT_EQ(scheduler_.pending(), 1U);

  Hub().Shutdown();
  EXPECT_EQ(Hub().active_pollers(), 0U);
  EXPECT_EQ(scheduler_.pending(), 0U);
  Answer(Task(v1::TASK_STATUS_SUCCEED, "826"));  // in flight at shutdown
  scheduler_.AdvanceBy(absl::Hours(1));
  EXPECT_EQ(gets_, 2);
  EXPECT_THAT(b->statuses(), IsEmpty());
}

}  // namespace
}  // namespace lipsync::workflow

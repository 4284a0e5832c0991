// TaskWatchHub's poll schedule (at once, then a capped, jittered backoff that
// restarts on each change) and its errors (transient ones keep polling, a
// permanent one ends the watch for everyone).
#include <algorithm>
#include <cstddef>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/workflow/task_watch_hub.h"
#include "tests/support/test_statuses.h"
#include "tests/workflow/task_watch_hub_fixture.h"

namespace lipsync::workflow {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Ge;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Optional;

// A delay within the jitter band around `nominal`.
auto Around(absl::Duration nominal, double jitter) {
  return Optional(
      AllOf(Ge(nominal * (1 - jitter)), Le(nominal * (1 + jitter))));
}

TEST_F(TaskWatchHubTest, TheSecondPollComesAfterTheInitialIntervalJittered) {
  std::vector<absl::Duration> delays;
  for (double random : {0.0, 0.25, 0.5, 0.75, 0.999999}) {
    SCOPED_TRACE(random);
    random_ = [random] { return random; };
    const std::string id = "task-" + std::to_string(delays.size());
    const auto watcher = Watch(ByTaskId(id));
    Answer(Task(v1::TASK_STATUS_SUBMITTED, id));

    EXPECT_THAT(NextDelay(),
                Around(options_.initial_interval, options_.jitter));
    ASSERT_TRUE(NextDelay().has_value());
    delays.push_back(*NextDelay());
    Hub().Unwatch(ByTaskId(id), watcher.get());
  }
  // Pollers started together spread out.
  EXPECT_LT(delays.front(), delays.back());
}

TEST_F(TaskWatchHubTest, UnchangedPollsBackOffByTheMultiplierUpToTheCap) {
  std::mt19937 engine(20261207);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  random_ = [&engine, &unit] { return unit(engine); };
  const auto watcher = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_SUBMITTED);

  absl::Duration nominal = options_.initial_interval;
  for (int poll = 0; poll < 12; ++poll) {
    SCOPED_TRACE(poll);
    EXPECT_THAT(NextDelay(), Around(nominal, options_.jitter));
    FireNextTimer();
    Answer(v1::TASK_STATUS_SUBMITTED);
    nominal = std::min(options_.max_interval, nominal * options_.multiplier);
  }
  EXPECT_EQ(nominal, options_.max_interval);
  EXPECT_THAT(NextDelay(), Around(options_.max_interval, options_.jitter));
  EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED));
}

TEST_F(TaskWatchHubTest, AChangeRestartsTheBackoff) {
  const auto watcher = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_SUBMITTED);
  for (int i = 0; i < 6; ++i) {
    FireNextTimer();
    Answer(v1::TASK_STATUS_SUBMITTED);
  }
  ASSERT_THAT(NextDelay(), Optional(Ge(options_.initial_interval * 5)));

  FireNextTimer();
  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(NextDelay(), Around(options_.initial_interval, options_.jitter));
}

TEST_F(TaskWatchHubTest, FollowsTheConfiguredSchedule) {
  options_.initial_interval = absl::Seconds(2);
  options_.max_interval = absl::Seconds(5);
  options_.multiplier = 2;
  options_.jitter = 0;
  options_.poll_timeout = absl::Seconds(3);
  const auto watcher = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_PROCESSING);

  std::vector<absl::Duration> delays;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(NextDelay().has_value());
    delays.push_back(*NextDelay());
    FireNextTimer();
    ASSERT_EQ(polls_.size(), 1U);
    // Each read is bounded by the poll timeout from when it starts.
    EXPECT_EQ(polls_.front().call->deadline(),
              scheduler_.Now() + absl::Seconds(3));
    Answer(v1::TASK_STATUS_PROCESSING);
  }
  EXPECT_THAT(delays, ElementsAre(absl::Seconds(2), absl::Seconds(4),
                                  absl::Seconds(5), absl::Seconds(5)));
}

struct ErrorRow {
  std::string name;
  absl::Status status;
};

void PrintTo(const ErrorRow& row, std::ostream* os) { *os << row.name; }

class TaskWatchHubTransientErrorTest
    : public TaskWatchHubTest,
      public ::testing::WithParamInterface<ErrorRow> {};

TEST_P(TaskWatchHubTransientErrorTest, KeepsPollingAndTellsNobody) {
  const auto watcher = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_SUBMITTED);

  absl::Duration nominal = options_.initial_interval;
  for (int i = 0; i < 3; ++i) {
    FireNextTimer();
    Answer(GetParam().status);
    // A failed poll backs off as an unchanged one does.
    nominal = std::min(options_.max_interval, nominal * options_.multiplier);
    EXPECT_THAT(NextDelay(), Around(nominal, options_.jitter));
  }
  EXPECT_THAT(watcher->errors(), IsEmpty());
  EXPECT_EQ(Hub().active_pollers(), 1U);

  FireNextTimer();
  Answer(v1::TASK_STATUS_PROCESSING);
  EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED,
                                               v1::TASK_STATUS_PROCESSING));
}

TEST_P(TaskWatchHubTransientErrorTest, OnTheFirstPollKeepsPollingToo) {
  const auto watcher = Watch(ByTaskId("825"));
  Answer(GetParam().status);
  EXPECT_EQ(scheduler_.pending(), 1U);

  FireNextTimer();
  Answer(v1::TASK_STATUS_SUBMITTED);
  EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_SUBMITTED));
  EXPECT_THAT(watcher->errors(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, TaskWatchHubTransientErrorTest,
    ::testing::ValuesIn(std::vector<ErrorRow>{
        {"KlingInternalError", testing_util::KlingError(5000, 500)},
        {"KlingUnavailable", testing_util::KlingError(5001, 503)},
        {"KlingTimeout", testing_util::KlingError(5002, 504)},
        {"KlingRateLimited", testing_util::KlingError(1302, 429)},
        {"KlingConcurrencyLimit", testing_util::KlingError(1303, 429)},
        {"ProxyPage", testing_util::ProxyAnswer(502)},
        {"ConnectionRefused", testing_util::ConnectionRefused()},
        {"ResetAfterSend", testing_util::ResetAfterSend()},
        {"PollTimedOut", testing_util::CallerDeadline()},
        {"Aborted", absl::AbortedError("try again")},
    }),
    [](const ::testing::TestParamInfo<ErrorRow>& info) {
      return info.param.name;
    });

class TaskWatchHubPermanentErrorTest
    : public TaskWatchHubTest,
      public ::testing::WithParamInterface<ErrorRow> {};

TEST_P(TaskWatchHubPermanentErrorTest, EndsTheWatchForEveryWatcher) {
  const auto a = Watch(ByTaskId("825"));
  const auto b = Watch(ByTaskId("825"));
  Answer(v1::TASK_STATUS_PROCESSING);
  FireNextTimer();
  Answer(GetParam().status);

  for (const auto& watcher : {a, b}) {
    EXPECT_THAT(watcher->errors(), ElementsAre(GetParam().status));
    EXPECT_THAT(watcher->statuses(), ElementsAre(v1::TASK_STATUS_PROCESSING));
  }
  EXPECT_EQ(a.use_count(), 1);  // the hub let go of its watchers
  EXPECT_EQ(b.use_count(), 1);
  EXPECT_EQ(Hub().active_pollers(), 0U);
  EXPECT_EQ(scheduler_.pending(), 0U);
  scheduler_.AdvanceBy(absl::Hours(1));
  EXPECT_EQ(gets_, 2);
}

TEST_P(TaskWatchHubPermanentErrorTest, OnTheFirstPollEndsTheWatchToo) {
  const auto watcher = Watch(ByTaskId("825"));
  Answer(GetParam().status);

  EXPECT_THAT(watcher->errors(), ElementsAre(GetParam().status));
  EXPECT_THAT(watcher->statuses(), IsEmpty());
  EXPECT_EQ(Hub().active_pollers(), 0U);
  EXPECT_EQ(scheduler_.pending(), 0U);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, TaskWatchHubPermanentErrorTest,
    ::testing::ValuesIn(std::vector<ErrorRow>{
        {"TaskNotFound", testing_util::KlingError(1203, 404)},
        {"GatewayKeyRejected", testing_util::KlingError(1004, 401)},
        {"NoPermission", testing_util::KlingError(1103, 403)},
        {"AccountInArrears", testing_util::KlingError(1101, 429)},
        {"InvalidRequest", testing_util::KlingError(1201, 400)},
        {"UnreadableAnswer", testing_util::ProxyAnswer(500)},
    }),
    [](const ::testing::TestParamInfo<ErrorRow>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace lipsync::workflow

// A TaskWatchHub over a StrictMock upstream whose GETs wait for the test to
// answer them, a FakeScheduler clock and an injected random source.
#ifndef LIPSYNC_TESTS_WORKFLOW_TASK_WATCH_HUB_FIXTURE_H_
#define LIPSYNC_TESTS_WORKFLOW_TASK_WATCH_HUB_FIXTURE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/workflow/task_watch_hub.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/recording_task_watcher.h"

namespace lipsync::workflow {

class TaskWatchHubTest : public ::testing::Test {
 protected:
  // One GetLipSyncTask the hub started and the test has not answered.
  struct Poll {
    std::shared_ptr<CallContext> call;
    v1::GetLipSyncTaskRequest request;
    upstream::UpstreamCallback<v1::LipSyncTask> done;
  };

  TaskWatchHubTest() {
    EXPECT_CALL(*upstream_, GetLipSyncTask)
        .WillRepeatedly(
            [this](std::shared_ptr<CallContext> call,
                   const v1::GetLipSyncTaskRequest& request,
                   upstream::UpstreamCallback<v1::LipSyncTask> done) {
              ++gets_;
              polls_.push_back({std::move(call), request, std::move(done)});
            });
  }
  ~TaskWatchHubTest() override {
    if (hub_ != nullptr) hub_->Shutdown();
  }

  // Builds the hub (tests may change options_ and random_ first).
  TaskWatchHub& Hub() {
    if (hub_ == nullptr) {
      hub_ = std::make_shared<TaskWatchHub>(upstream_, &scheduler_, options_,
                                            [this] { return random_(); });
    }
    return *hub_;
  }

  static v1::WatchLipSyncTaskRequest ByTaskId(const std::string& id) {
    v1::WatchLipSyncTaskRequest r;
    r.set_task_id(id);
    return r;
  }
  static v1::WatchLipSyncTaskRequest ByExternalId(const std::string& id) {
    v1::WatchLipSyncTaskRequest r;
    r.set_external_task_id(id);
    return r;
  }
  static v1::LipSyncTask Task(v1::TaskStatus status,
                              const std::string& id = "825") {
    v1::LipSyncTask t;
    t.set_task_id(id);
    t.set_task_status(status);
    return t;
  }

  std::shared_ptr<testing_util::RecordingTaskWatcher> Watch(
      const v1::WatchLipSyncTaskRequest& request) {
    auto watcher = std::make_shared<testing_util::RecordingTaskWatcher>();
    Hub().Watch(request, watcher);
    return watcher;
  }

  // Answers the oldest unanswered GET.
  void Answer(absl::StatusOr<v1::LipSyncTask> result) {
    ASSERT_FALSE(polls_.empty()) << "no GET is waiting for an answer";
    Poll poll = std::move(polls_.front());
    polls_.pop_front();
    poll.done(std::move(result));
  }
  void Answer(v1::TaskStatus status) { Answer(Task(status)); }

  // How long until the next timer fires; nullopt when none is pending.
  std::optional<absl::Duration> NextDelay() {
    const std::optional<absl::Time> due = scheduler_.next_due();
    if (!due.has_value()) return std::nullopt;
    return *due - scheduler_.Now();
  }

  // Lets the pending timer fire: the next GET starts.
  void FireNextTimer() {
    const std::optional<absl::Duration> delay = NextDelay();
    ASSERT_TRUE(delay.has_value()) << "no timer pending";
    scheduler_.AdvanceBy(*delay);
  }

  std::shared_ptr<::testing::StrictMock<testing_util::MockUpstreamClient>>
      upstream_ = std::make_shared<
          ::testing::StrictMock<testing_util::MockUpstreamClient>>();
  testing_util::FakeScheduler scheduler_;
  WatchPollOptions options_;
  // The hub's random source, in [0, 1): 0.5 is no jitter at all.
  std::function<double()> random_ = [] { return 0.5; };
  std::shared_ptr<TaskWatchHub> hub_;
  std::deque<Poll> polls_;
  // GetLipSyncTask calls so far.
  int gets_ = 0;
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_TESTS_WORKFLOW_TASK_WATCH_HUB_FIXTURE_H_

#include "sim/task_store.h"

#include "gtest/gtest.h"
#include "sim/task_view.h"

namespace kling_sim {
namespace {

LipSyncTask MakeTask(const std::string& id, const std::string& external = "") {
  LipSyncTask task;
  task.task_id = id;
  task.external_task_id = external;
  task.created_at_ms = 10000;
  task.parent_video.duration_ms = 12345;
  task.result_video_id = id + "0";
  return task;
}

TEST(TaskTimelineTest, StatusFollowsTheClock) {
  const TaskTimeline timeline{1000, 3000};
  LipSyncTask task = MakeTask("1");
  EXPECT_EQ(StateAt(task, timeline, 10000).status, TaskStatus::kSubmitted);
  EXPECT_EQ(StateAt(task, timeline, 10999).status, TaskStatus::kSubmitted);
  const TaskState processing = StateAt(task, timeline, 11000);
  EXPECT_EQ(processing.status, TaskStatus::kProcessing);
  EXPECT_EQ(processing.updated_at_ms, 11000);
  const TaskState done = StateAt(task, timeline, 99999);
  EXPECT_EQ(done.status, TaskStatus::kSucceed);
  EXPECT_EQ(done.updated_at_ms, 13000);
  task.will_fail = true;
  EXPECT_EQ(StateAt(task, timeline, 13000).status, TaskStatus::kFailed);
}

TEST(TaskStoreTest, FindsByEitherIdAndRefusesDuplicateExternalIds) {
  TaskStore store(10);
  ASSERT_TRUE(store.Insert(MakeTask("1", "ext")).ok());
  ASSERT_TRUE(store.Insert(MakeTask("2")).ok());
  ASSERT_TRUE(store.Insert(MakeTask("3")).ok());  // empty ids never collide
  const absl::Status duplicate = store.Insert(MakeTask("4", "ext"));
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.message().rfind("duplicate external_task_id", 0), 0u);
  EXPECT_EQ(store.Find("ext")->task_id, "1");
  EXPECT_EQ(store.Find("2")->task_id, "2");
  EXPECT_FALSE(store.Find("4").has_value());
}

TEST(TaskStoreTest, AcceptsDuplicateExternalIdsWhenAskedAndFindsTheFirst) {
  TaskStore store(10, /*accept_duplicate_external_task_id=*/true);
  ASSERT_TRUE(store.Insert(MakeTask("1", "ext")).ok());
  ASSERT_TRUE(store.Insert(MakeTask("2", "ext")).ok());
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.Find("ext")->task_id, "1");
  EXPECT_EQ(store.Find("2")->task_id, "2");
}

TEST(TaskStoreTest, ListsNewestFirstAndEvictsTheOldest) {
  TaskStore store(3);
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(
        store.Insert(MakeTask(std::to_string(i), "e" + std::to_string(i)))
            .ok());
  }
  EXPECT_EQ(store.size(), 3u);
  EXPECT_FALSE(store.Find("1").has_value());
  EXPECT_FALSE(store.Find("e1").has_value());
  const auto page = store.ListNewestFirst(1, 5);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].task_id, "3");
  EXPECT_EQ(page[1].task_id, "2");
  EXPECT_TRUE(store.ListNewestFirst(3, 5).empty());
}

TEST(TaskViewTest, RendersTheContractShapes) {
  EXPECT_EQ(FormatSeconds(5000), "5.0");
  EXPECT_EQ(FormatSeconds(12345), "12.345");
  EXPECT_EQ(FormatSeconds(12300), "12.3");

  LipSyncTask task = MakeTask("7");
  task.watermark_enabled = true;
  const auto created = RenderCreatedTask(task);
  EXPECT_EQ(created["task_status"], "submitted");
  EXPECT_FALSE(created["task_info"].contains("external_task_id"));

  const auto running = RenderTask(task, {TaskStatus::kProcessing, 11000});
  EXPECT_FALSE(running["task_result"].contains("videos"));
  const auto done = RenderTask(task, {TaskStatus::kSucceed, 13000});
  EXPECT_EQ(done["task_result"]["videos"][0]["duration"], "12.345");
  EXPECT_TRUE(done["task_result"]["videos"][0].contains("watermark_url"));
  EXPECT_EQ(done["task_info"]["parent_video"]["duration"], "12.345");
  EXPECT_EQ(done["updated_at"], 13000);
  const auto callback = RenderCallback(task, {TaskStatus::kSucceed, 13000});
  EXPECT_FALSE(callback.contains("watermark_info"));
  EXPECT_EQ(callback["task_result"]["videos"].size(), 1u);
}

}  // namespace
}  // namespace kling_sim

#ifndef LIPSYNC_SIM_TASK_STORE_H_
#define LIPSYNC_SIM_TASK_STORE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace kling_sim {

// The video a task lip-syncs (task_info.parent_video).
struct ParentVideo {
  std::string id;
  std::string url;
  int64_t duration_ms = 0;
};

// A created lip-sync task. Immutable once stored: its status is a function of
// time (see StateAt), so no timer ever has to touch it.
struct LipSyncTask {
  std::string task_id;
  std::string external_task_id;  // empty: none
  std::string callback_url;      // empty: none
  ParentVideo parent_video;
  std::string result_video_id;
  bool watermark_enabled = false;
  bool will_fail = false;  // external_task_id starts with "fail-"
  int64_t created_at_ms = 0;
};

enum class TaskStatus { kSubmitted, kProcessing, kSucceed, kFailed };

// Kling's spelling: "submitted", "processing", "succeed", "failed".
const char* TaskStatusName(TaskStatus status);

// When a task changes status, in ms after its creation.
struct TaskTimeline {
  int64_t processing_after_ms = 1000;
  int64_t finish_after_ms = 3000;  // >= processing_after_ms
};

// A task's status at some instant and when that status began.
struct TaskState {
  TaskStatus status = TaskStatus::kSubmitted;
  int64_t updated_at_ms = 0;
};

TaskState StateAt(const LipSyncTask& task, const TaskTimeline& timeline,
                  int64_t now_ms);

// Every status a task goes through, in order, with the time it begins.
std::vector<TaskState> StatusChanges(const LipSyncTask& task,
                                     const TaskTimeline& timeline);

// In-memory tasks, bounded: beyond `max_tasks` the oldest is dropped.
// Thread-safe; answers are copies.
class TaskStore {
 public:
  // `accept_duplicate_external_task_id`: a second task may carry an
  // external_task_id already taken (an upstream that does not refuse one);
  // lookups by that id then find the first task.
  explicit TaskStore(size_t max_tasks,
                     bool accept_duplicate_external_task_id = false)
      : max_tasks_(max_tasks),
        accept_duplicate_external_task_id_(accept_duplicate_external_task_id) {}

  // AlreadyExists when the task's non-empty external_task_id is taken (unless
  // duplicates are accepted); the check and the insertion are one atomic
  // step.
  absl::Status Insert(LipSyncTask task);

  // Looks `id` up as a task_id first, then as an external_task_id (Kling's
  // query path accepts either).
  std::optional<LipSyncTask> Find(absl::string_view id) const;

  // Newest first, skipping `offset` tasks.
  std::vector<LipSyncTask> ListNewestFirst(size_t offset, size_t limit) const;

  size_t size() const;
  void Clear();

 private:
  void EraseOldestLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_tasks_;
  mutable absl::Mutex mu_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, LipSyncTask> by_seq_ ABSL_GUARDED_BY(mu_);  // creation
  absl::flat_hash_map<std::string, uint64_t> by_task_id_ ABSL_GUARDED_BY(mu_);
  const bool accept_duplicate_external_task_id_ = false;
  absl::flat_hash_map<std::string, uint64_t> by_external_id_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_TASK_STORE_H_

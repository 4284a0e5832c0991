// A TaskWatcher that records what the hub told it.
#ifndef LIPSYNC_TESTS_SUPPORT_RECORDING_TASK_WATCHER_H_
#define LIPSYNC_TESTS_SUPPORT_RECORDING_TASK_WATCHER_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "service/workflow/task_watch_hub.h"

namespace lipsync::testing_util {

// Thread-safe.
class RecordingTaskWatcher final : public workflow::TaskWatcher {
 public:
  void OnTask(const kling::lipsync::v1::LipSyncTask& task) override {
    absl::MutexLock lock(&mu_);
    tasks_.push_back(task);
  }
  void OnError(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    errors_.push_back(status);
  }

  std::vector<kling::lipsync::v1::LipSyncTask> tasks() const {
    absl::MutexLock lock(&mu_);
    return tasks_;
  }
  // The status of each task received, in order.
  std::vector<kling::lipsync::v1::TaskStatus> statuses() const {
    absl::MutexLock lock(&mu_);
    std::vector<kling::lipsync::v1::TaskStatus> out;
    out.reserve(tasks_.size());
    for (const auto& task : tasks_) out.push_back(task.task_status());
    return out;
  }
  std::vector<absl::Status> errors() const {
    absl::MutexLock lock(&mu_);
    return errors_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<kling::lipsync::v1::LipSyncTask> tasks_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> errors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_RECORDING_TASK_WATCHER_H_

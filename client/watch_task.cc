#include "client/watch_task.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "client/task_status.h"

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;

// A server-side DEADLINE_EXCEEDED this long before our own deadline is the
// server's limit, not ours: worth another stream.
constexpr absl::Duration kDeadlineSlack = absl::Seconds(1);

bool ShouldReopen(const absl::Status& status, absl::Time deadline) {
  switch (status.code()) {
    case absl::StatusCode::kOk:  // Ended without a terminal status.
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:  // We never cancel: the server did.
      return true;
    case absl::StatusCode::kDeadlineExceeded:
      return absl::Now() + kDeadlineSlack < deadline;
    default:
      return false;
  }
}

std::string Describe(const v1::WatchLipSyncTaskRequest& request) {
  return request.task_id().empty() ? absl::StrCat("task with external_task_id ",
                                                  request.external_task_id())
                                   : absl::StrCat("task ", request.task_id());
}

}  // namespace

absl::StatusOr<v1::LipSyncTask> WatchUntilTerminal(
    const LipSyncClient& client, const v1::WatchLipSyncTaskRequest& request,
    const WatchOptions& options,
    const std::function<void(const v1::LipSyncTask&)>& on_update,
    const WatchReopenCallback& on_reopen) {
  const absl::Time deadline = absl::Now() + options.timeout;
  std::optional<v1::LipSyncTask> last;
  absl::Duration backoff = options.initial_backoff;
  int failures = 0;
  while (true) {
    bool delivered = false;
    const absl::Status status = client.WatchLipSyncTask(
        request, deadline - absl::Now(), [&](const v1::LipSyncTask& task) {
          delivered = true;
          if (last && last->task_status() == task.task_status()) return;
          last = task;
          on_update(task);
        });
    if (last && IsTerminal(last->task_status())) return *last;

    if (!ShouldReopen(status, deadline)) {
      if (status.code() != absl::StatusCode::kDeadlineExceeded) return status;
      return absl::DeadlineExceededError(absl::StrCat(
          Describe(request), " did not finish within ",
          absl::FormatDuration(options.timeout), " (last status: ",
          last ? TaskStatusName(last->task_status()) : "none received", ")"));
    }
    if (delivered) {
      failures = 0;
      backoff = options.initial_backoff;
    } else if (++failures >= options.max_consecutive_failures) {
      return status.ok() ? absl::UnavailableError(absl::StrCat(
                               "the watch stream of ", Describe(request),
                               " keeps ending without a task"))
                         : status;
    }
    const absl::Duration wait = std::min(backoff, deadline - absl::Now());
    if (on_reopen) on_reopen(status, wait);
    absl::SleepFor(wait);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace lipsync::client

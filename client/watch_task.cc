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

// What the streams and the polls of one watch share: the deadline, the last
// status reported, and the reporting itself.
class Follower {
 public:
  Follower(const v1::WatchLipSyncTaskRequest& request,
           const WatchOptions& options,
           const std::function<void(const v1::LipSyncTask&)>& on_update)
      : request_(request),
        options_(options),
        on_update_(on_update),
        deadline_(absl::Now() + options.timeout) {}

  absl::Time deadline() const { return deadline_; }
  absl::Duration remaining() const { return deadline_ - absl::Now(); }
  bool finished() const { return last_ && IsTerminal(last_->task_status()); }
  const v1::LipSyncTask& last() const { return *last_; }

  // Reports `task` unless its status is the one reported last.
  void Deliver(const v1::LipSyncTask& task) {
    if (last_ && last_->task_status() == task.task_status()) return;
    last_ = task;
    on_update_(task);
  }

  absl::Status TimedOut() const {
    return absl::DeadlineExceededError(absl::StrCat(
        Describe(), " did not finish within ",
        absl::FormatDuration(options_.timeout), " (last status: ",
        last_ ? TaskStatusName(last_->task_status()) : "none received", ")"));
  }

  std::string Describe() const {
    return request_.task_id().empty()
               ? absl::StrCat("task with external_task_id ",
                              request_.external_task_id())
               : absl::StrCat("task ", request_.task_id());
  }

 private:
  const v1::WatchLipSyncTaskRequest& request_;
  const WatchOptions& options_;
  const std::function<void(const v1::LipSyncTask&)>& on_update_;
  const absl::Time deadline_;
  std::optional<v1::LipSyncTask> last_;
};

// The fallback for gateways without WatchLipSyncTask. Each Get is bounded by
// the client's default timeout and what is left of the watch.
absl::StatusOr<v1::LipSyncTask> PollUntilTerminal(
    const LipSyncClient& client, const v1::WatchLipSyncTaskRequest& request,
    const WatchOptions& options, Follower& follower) {
  v1::GetLipSyncTaskRequest get;
  get.set_task_id(request.task_id());
  get.set_external_task_id(request.external_task_id());
  int failures = 0;
  while (true) {
    if (follower.remaining() <= absl::ZeroDuration())
      return follower.TimedOut();
    auto task = client.GetLipSyncTask(
        get, std::min(follower.remaining(), client.default_timeout()));
    if (task.ok()) {
      failures = 0;
      follower.Deliver(*task);
      if (follower.finished()) return follower.last();
    } else if (task.status().code() == absl::StatusCode::kDeadlineExceeded &&
               follower.remaining() <= absl::ZeroDuration()) {
      return follower.TimedOut();
    } else {
      // Only an unavailable or slow upstream is worth another poll, and only
      // so many times in a row.
      const bool transient =
          task.status().code() == absl::StatusCode::kUnavailable ||
          task.status().code() == absl::StatusCode::kDeadlineExceeded;
      if (!transient || ++failures >= options.max_consecutive_failures) {
        return task.status();
      }
    }
    absl::SleepFor(std::min(options.poll_interval, follower.remaining()));
  }
}

}  // namespace

absl::StatusOr<v1::LipSyncTask> WatchUntilTerminal(
    const LipSyncClient& client, const v1::WatchLipSyncTaskRequest& request,
    const WatchOptions& options,
    const std::function<void(const v1::LipSyncTask&)>& on_update,
    const WatchReopenCallback& on_reopen) {
  Follower follower(request, options, on_update);
  absl::Duration backoff = options.initial_backoff;
  int failures = 0;
  for (bool first = true;; first = false) {
    bool delivered = false;
    const absl::Status status = client.WatchLipSyncTask(
        request, follower.remaining(), [&](const v1::LipSyncTask& task) {
          delivered = true;
          follower.Deliver(task);
        });
    if (follower.finished()) return follower.last();

    if (first && status.code() == absl::StatusCode::kUnimplemented &&
        options.poll_interval > absl::ZeroDuration()) {
      if (on_reopen) on_reopen(status, options.poll_interval);
      return PollUntilTerminal(client, request, options, follower);
    }
    if (!ShouldReopen(status, follower.deadline())) {
      if (status.code() != absl::StatusCode::kDeadlineExceeded) return status;
      return follower.TimedOut();
    }
    if (delivered) {
      failures = 0;
      backoff = options.initial_backoff;
    } else if (++failures >= options.max_consecutive_failures) {
      return status.ok() ? absl::UnavailableError(absl::StrCat(
                               "the watch stream of ", follower.Describe(),
                               " keeps ending without a task"))
                         : status;
    }
    const absl::Duration wait = std::min(backoff, follower.remaining());
    if (on_reopen) on_reopen(status, wait);
    absl::SleepFor(wait);
    backoff = std::min(backoff * 2, options.max_backoff);
  }
}

}  // namespace lipsync::client

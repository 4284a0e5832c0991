// Following one task to its end across dropped connections.
#ifndef LIPSYNC_CLIENT_WATCH_TASK_H_
#define LIPSYNC_CLIENT_WATCH_TASK_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/lipsync_client.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client {

struct WatchOptions {
  // How long to follow the task in total, across re-opens.
  absl::Duration timeout = absl::Minutes(10);
  // Wait before re-opening a broken stream; doubles up to max_backoff, back
  // to initial_backoff once a stream delivers a task.
  absl::Duration initial_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(10);
  // Give up after this many broken streams in a row that delivered nothing
  // (the gateway is down, not restarting): about 25 s with the defaults.
  int max_consecutive_failures = 6;
  // When the gateway does not serve WatchLipSyncTask (UNIMPLEMENTED: an
  // older or partial deployment), poll GetLipSyncTask this often instead.
  // Zero turns the fallback off.
  absl::Duration poll_interval = absl::Seconds(2);
};

// Called before a re-open with why the stream ended and how long until the
// next; and once, with the UNIMPLEMENTED status and poll_interval, when
// falling back to polling.
using WatchReopenCallback =
    std::function<void(const absl::Status& why, absl::Duration wait)>;

// Follows the task until it is terminal and returns its final state.
//
// Opens WatchLipSyncTask and re-opens it (gRPC cannot retry a stream once a
// message has arrived) when it ends without a terminal status: UNAVAILABLE
// (the gateway restarted, a proxy dropped an idle stream), CANCELLED by the
// server, the server's own DEADLINE_EXCEEDED before options.timeout, or OK.
// Watching is a read, so re-opening is always safe. If the first stream is
// UNIMPLEMENTED, polls GetLipSyncTask every options.poll_interval instead
// (same reporting, same timeout; UNAVAILABLE polls count as failures).
//
// `on_update` is called once per status change: the first task, then each
// task whose status differs from the previous one (a re-opened stream first
// repeats the current state; that repeat is not reported). `on_reopen` (may
// be empty) is called before each re-open.
//
// Returns the terminal task (SUCCEED or FAILED: a FAILED task is an OK
// result, read its task_status_msg), or DEADLINE_EXCEEDED when
// options.timeout passes first, or the first error that is not re-opened
// (NOT_FOUND, INVALID_ARGUMENT, UNAUTHENTICATED, ...), or the last UNAVAILABLE
// after max_consecutive_failures.
absl::StatusOr<kling::lipsync::v1::LipSyncTask> WatchUntilTerminal(
    const LipSyncClient& client,
    const kling::lipsync::v1::WatchLipSyncTaskRequest& request,
    const WatchOptions& options,
    const std::function<void(const kling::lipsync::v1::LipSyncTask&)>&
        on_update,
    const WatchReopenCallback& on_reopen = nullptr);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_WATCH_TASK_H_

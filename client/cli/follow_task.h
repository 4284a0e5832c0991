// Following a task to its end and printing its progress: `watch`,
// `create --wait` and `run` share it.
#ifndef LIPSYNC_CLIENT_CLI_FOLLOW_TASK_H_
#define LIPSYNC_CLIENT_CLI_FOLLOW_TASK_H_

#include <cstdio>

#include "absl/time/time.h"
#include "client/cli/common.h"
#include "client/lipsync_client.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client::cli {

// Watches the task (re-opening dropped streams) for at most `timeout`,
// printing each status change to `out` (JSON lines with --json). Returns the
// exit code: 0 when the task succeeded (its final state in `*final_task`),
// kExitTaskFailed when it failed (reason printed to stderr), otherwise the
// error's code after ReportError.
int FollowTask(const CommonArgs& common, const LipSyncClient& client,
               const kling::lipsync::v1::WatchLipSyncTaskRequest& request,
               absl::Duration timeout, std::FILE* out,
               kling::lipsync::v1::LipSyncTask* final_task);

// After a create (`create --wait`, `run`): announces `created` (a JSON line
// on stdout with --json, else "created task ID" on stderr), then follows it
// as FollowTask does, printing progress to stdout with --json, else to
// stderr. Returns FollowTask's exit code.
int FollowCreatedTask(const CommonArgs& common, const LipSyncClient& client,
                      const kling::lipsync::v1::LipSyncTask& created,
                      absl::Duration timeout,
                      kling::lipsync::v1::LipSyncTask* final_task);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_FOLLOW_TASK_H_

// lipsync-cli watch: follows a task until it succeeds or fails.
#include <cstdio>

#include "client/cli/common.h"
#include "client/cli/follow_task.h"
#include "client/cli/selectors.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {

int RunWatch(const CommonArgs& common) {
  auto ref = ReadTaskRefFlags();
  if (!ref.ok()) return UsageError("watch", ref.status().message());
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  kling::lipsync::v1::WatchLipSyncTaskRequest request;
  request.set_task_id(ref->task_id);
  request.set_external_task_id(ref->external_task_id);
  kling::lipsync::v1::LipSyncTask final_task;
  // For watch, --timeout bounds the whole watch, not one call.
  return FollowTask(common, **client, request,
                    common.timeout.value_or(kDefaultWatchTimeout), stdout,
                    &final_task);
}

}  // namespace lipsync::client::cli

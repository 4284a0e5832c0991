// lipsync-cli get: GetLipSyncTask.
#include <cstdio>

#include "client/cli/common.h"
#include "client/cli/output.h"
#include "client/cli/selectors.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {

int RunGet(const CommonArgs& common) {
  auto ref = ReadTaskRefFlags();
  if (!ref.ok()) return UsageError("get", ref.status().message());
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  kling::lipsync::v1::GetLipSyncTaskRequest request;
  request.set_task_id(ref->task_id);
  request.set_external_task_id(ref->external_task_id);
  auto task = (*client)->GetLipSyncTask(request, common.CallTimeout());
  if (!task.ok()) return ReportError(common, task.status());
  if (common.json) {
    PrintJson(stdout, *task);
  } else {
    PrintTask(stdout, *task);
  }
  return 0;
}

}  // namespace lipsync::client::cli

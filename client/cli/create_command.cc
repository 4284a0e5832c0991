// lipsync-cli create: CreateLipSyncTask, optionally followed to its end.
#include <cstdio>

#include "absl/flags/flag.h"
#include "client/cli/common.h"
#include "client/cli/create_request.h"
#include "client/cli/flags.h"
#include "client/cli/follow_task.h"
#include "client/cli/output.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {

namespace v1 = ::kling::lipsync::v1;

int RunCreate(const CommonArgs& common) {
  auto args = ReadCreateArgs(/*with_session_and_face=*/true);
  if (!args.ok()) return UsageError("create", args.status().message());
  const bool wait = absl::GetFlag(FLAGS_wait);
  const absl::Duration watch_timeout = absl::GetFlag(FLAGS_watch_timeout);
  if (watch_timeout <= absl::ZeroDuration()) {
    return UsageError("create", "--watch_timeout must be positive, e.g. 10m");
  }
  // Local failures (a missing audio file) before the billed call.
  auto request = BuildCreateRequest(*args);
  if (!request.ok()) return ReportError(common, request.status());
  // The gateway requires it (0 is a value); `create` defaults it to the
  // video start.
  v1::FaceChoose& choice = *request->mutable_face_choose(0);
  if (!choice.has_sound_insert_time()) choice.set_sound_insert_time(0);
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  request->set_request_id(
      ChooseRequestId(args->request_id, "the same command with"));
  auto task = (*client)->CreateLipSyncTask(*request, common.CallTimeout());
  if (!task.ok()) {
    const int code = ReportError(common, task.status());
    PrintCreateRetryHint(task.status(), request->request_id());
    return code;
  }
  if (!wait) {
    if (common.json) {
      PrintJson(stdout, *task);
    } else {
      PrintTask(stdout, *task);
    }
    return 0;
  }

  // --wait: progress on stderr (or JSON lines on stdout), the final task on
  // stdout.
  v1::LipSyncTask final_task;
  const int code =
      FollowCreatedTask(common, **client, *task, watch_timeout, &final_task);
  if (!common.json && !final_task.task_id().empty()) {
    PrintTask(stdout, final_task);
  }
  return code;
}

}  // namespace lipsync::client::cli

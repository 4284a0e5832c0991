#include "client/cli/follow_task.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/output.h"
#include "client/cli/watch_printer.h"
#include "client/client_error.h"
#include "client/printable_text.h"
#include "client/watch_task.h"

namespace lipsync::client::cli {

namespace v1 = ::kling::lipsync::v1;

int FollowTask(const CommonArgs& common, const LipSyncClient& client,
               const v1::WatchLipSyncTaskRequest& request,
               absl::Duration timeout, std::FILE* out,
               v1::LipSyncTask* final_task) {
  WatchPrinter printer(out, WatchPrinter::ModeFor(out, common.json),
                       absl::Now());
  WatchOptions options;
  options.timeout = timeout;
  auto task = WatchUntilTerminal(
      client, request, options,
      [&printer](const v1::LipSyncTask& update) { printer.Update(update); },
      [&printer](const absl::Status& why, absl::Duration wait) {
        if (why.code() == absl::StatusCode::kUnimplemented) {
          printer.Note(absl::StrCat(
              "the gateway does not stream task updates; polling every ",
              absl::FormatDuration(wait)));
          return;
        }
        printer.Note(absl::StrCat(
            "watch stream ended (", absl::StatusCodeToString(why.code()),
            why.message().empty() ? "" : ": ", PrintableText(why.message()),
            "); re-opening in ", absl::FormatDuration(wait)));
      });
  printer.Finish();
  if (!task.ok()) return ReportError(common, task.status());
  *final_task = *task;
  if (task->task_status() == v1::TASK_STATUS_FAILED) {
    absl::FPrintF(stderr, "task %s failed: %s\n",
                  PrintableText(task->task_id()),
                  task->task_status_msg().empty()
                      ? "(no reason given)"
                      : PrintableText(task->task_status_msg()));
    return kExitTaskFailed;
  }
  return 0;
}

int FollowCreatedTask(const CommonArgs& common, const LipSyncClient& client,
                      const v1::LipSyncTask& created, absl::Duration timeout,
                      v1::LipSyncTask* final_task) {
  if (common.json) {
    PrintJson(stdout, created);
  } else {
    absl::FPrintF(stderr, "created task %s\n",
                  PrintableText(created.task_id()));
  }
  v1::WatchLipSyncTaskRequest watch;
  watch.set_task_id(created.task_id());
  return FollowTask(common, client, watch, timeout,
                    common.json ? stdout : stderr, final_task);
}

}  // namespace lipsync::client::cli

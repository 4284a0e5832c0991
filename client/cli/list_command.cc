// lipsync-cli list: ListLipSyncTasks, one page.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_format.h"
#include "client/cli/common.h"
#include "client/cli/flags.h"
#include "client/cli/output.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {

int RunList(const CommonArgs& common) {
  // Ranges are the gateway's to check; it names the bad field.
  kling::lipsync::v1::ListLipSyncTasksRequest request;
  request.set_page_num(absl::GetFlag(FLAGS_page_num));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  auto response = (*client)->ListLipSyncTasks(request, common.CallTimeout());
  if (!response.ok()) return ReportError(common, response.status());
  if (common.json) {
    PrintJson(stdout, *response);
    return 0;
  }
  PrintTaskList(stdout, *response);
  if (response->has_next_page()) {
    absl::PrintF("more: lipsync-cli list --page_num=%d --page_size=%d\n",
                 request.page_num() + 1, request.page_size());
  }
  return 0;
}

}  // namespace lipsync::client::cli

#include "client/cli/watch_printer.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/output.h"
#include "client/printable_text.h"
#include "client/task_status.h"

namespace lipsync::client::cli {

namespace v1 = ::kling::lipsync::v1;

WatchPrinter::Mode WatchPrinter::ModeFor(std::FILE* out, bool json) {
  if (json) return Mode::kJson;
  return ::isatty(::fileno(out)) ? Mode::kUpdateLine : Mode::kLines;
}

std::string WatchPrinter::FormatLine(const v1::LipSyncTask& task,
                                     absl::Duration elapsed) {
  std::string line = absl::StrFormat(
      "+%-7s task %s  %s", FormatElapsed(elapsed),
      PrintableText(task.task_id()), TaskStatusName(task.task_status()));
  if (task.task_status() == v1::TASK_STATUS_SUCCEED) {
    for (const v1::ResultVideo& video : task.task_result().videos()) {
      absl::StrAppend(&line, "  ", PrintableText(video.url()));
    }
  } else if (!task.task_status_msg().empty()) {
    absl::StrAppend(&line, ": ", PrintableText(task.task_status_msg()));
  }
  return line;
}

void WatchPrinter::Update(const v1::LipSyncTask& task, absl::Time now) {
  switch (mode_) {
    case Mode::kJson:
      PrintJson(out_, task);
      return;
    case Mode::kLines:
      absl::FPrintF(out_, "%s\n", FormatLine(task, now - start_));
      break;
    case Mode::kUpdateLine:
      // \r back to the column 0, ESC[K clears what the last line left over.
      absl::FPrintF(out_, "\r\033[K%s", FormatLine(task, now - start_));
      line_open_ = true;
      if (IsTerminal(task.task_status())) Finish();
      break;
  }
  std::fflush(out_);
}

void WatchPrinter::Note(absl::string_view text) {
  Finish();
  absl::FPrintF(stderr, "%s\n", text);
}

void WatchPrinter::Finish() {
  if (!line_open_) return;
  absl::FPrintF(out_, "\n");
  std::fflush(out_);
  line_open_ = false;
}

}  // namespace lipsync::client::cli

// Progress of a watched task: one line per status change with the elapsed
// time, or, on a terminal, one line rewritten in place.
#ifndef LIPSYNC_CLIENT_CLI_WATCH_PRINTER_H_
#define LIPSYNC_CLIENT_CLI_WATCH_PRINTER_H_

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client::cli {

// Not thread-safe; used from the watching thread only.
class WatchPrinter {
 public:
  enum class Mode {
    kLines,       // one line per update (pipes, files, logs)
    kUpdateLine,  // one line rewritten with \r (a terminal)
    kJson,        // one proto3 JSON document per line
  };

  // Mode from the stream: kJson when `json`, else kUpdateLine when `out` is
  // a terminal, else kLines.
  static Mode ModeFor(std::FILE* out, bool json);

  // Elapsed times count from `start`.
  WatchPrinter(std::FILE* out, Mode mode, absl::Time start)
      : out_(out), mode_(mode), start_(start) {}
  WatchPrinter(const WatchPrinter&) = delete;
  WatchPrinter& operator=(const WatchPrinter&) = delete;
  ~WatchPrinter() { Finish(); }

  // Prints one update, timed at `now`.
  void Update(const kling::lipsync::v1::LipSyncTask& task,
              absl::Time now = absl::Now());
  // Prints a side message (e.g. "re-opening") on its own line of stderr,
  // first ending a line being rewritten.
  void Note(absl::string_view text);
  // Ends a line being rewritten; call before printing anything else.
  void Finish();

  // "+12.4s  task 8391  processing", with the result URL for `succeed` and
  // the reason for `failed`.
  static std::string FormatLine(const kling::lipsync::v1::LipSyncTask& task,
                                absl::Duration elapsed);

 private:
  std::FILE* const out_;
  const Mode mode_;
  const absl::Time start_;
  // A kUpdateLine line is on screen without its newline.
  bool line_open_ = false;
};

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_WATCH_PRINTER_H_

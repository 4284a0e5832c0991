// Checking a subcommand's flags before absl::ParseCommandLine sees them.
//
// absl flags are global to the binary, so on its own absl would accept
// `lipsync-cli get --session_id=1` and would exit with status 1 on a bad
// value. This scan rejects flags the subcommand does not take and values that
// do not parse with one clear line, so that main can exit with kExitUsage.
#ifndef LIPSYNC_CLIENT_CLI_COMMAND_LINE_H_
#define LIPSYNC_CLIENT_CLI_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::client::cli {

struct ScannedArgs {
  // --help, -h, --helpfull or --helpshort was given.
  bool help = false;
  // Arguments that are not flags (after `--`, everything).
  std::vector<std::string> positional;
};

// Scans `args` (the arguments after the subcommand) with absl's syntax:
// `--name=value`, `--name value` (not for bools), `--bool`, `--nobool`, one
// or two leading dashes. Each flag must be in `allowed`. Parsed values are
// stored in the flags. Errors: INVALID_ARGUMENT with a one-line message
// naming the flag (unknown, not taken by `subcommand`, missing or bad value).
absl::StatusOr<ScannedArgs> ScanFlags(const std::vector<std::string>& args,
                                      const std::vector<std::string>& allowed,
                                      absl::string_view subcommand);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_COMMAND_LINE_H_

// The text of `lipsync-cli help` and `lipsync-cli help <subcommand>`.
#ifndef LIPSYNC_CLIENT_CLI_HELP_TEXT_H_
#define LIPSYNC_CLIENT_CLI_HELP_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace lipsync::client::cli {

// The workflow (identify → create → watch, with an example each), the
// subcommands, the common flags and the exit codes.
std::string OverviewHelp();

// Usage, flags and an example of one subcommand; "" if there is none.
std::string SubcommandHelp(absl::string_view subcommand);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_HELP_TEXT_H_

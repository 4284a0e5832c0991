// lipsync-cli: the command-line client of lipsync-gateway.
//
//   lipsync-cli <subcommand> [--flag=value ...]
//
// argv[1] names the subcommand; the rest are absl flags, checked against the
// subcommand's own list (command_line.h) and then parsed by
// absl::ParseCommandLine. `lipsync-cli help` explains the workflow.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "client/cli/command_line.h"
#include "client/cli/common.h"
#include "client/cli/help_text.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {
namespace {

bool IsHelpWord(absl::string_view arg) {
  return arg == "help" || arg == "--help" || arg == "-help" || arg == "-h" ||
         arg == "--helpfull";
}

int Help(int argc, char** argv) {
  if (argc < 3) {
    absl::PrintF("%s", OverviewHelp());
    return 0;
  }
  const std::string help = SubcommandHelp(argv[2]);
  if (help.empty()) {
    absl::FPrintF(stderr,
                  "lipsync-cli: no subcommand '%s' (see: lipsync-cli help)\n",
                  argv[2]);
    return kExitUsage;
  }
  absl::PrintF("%s", help);
  return 0;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    absl::FPrintF(stderr, "%s", OverviewHelp());
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (IsHelpWord(name)) return Help(argc, argv);
  const Subcommand* subcommand = FindSubcommand(name);
  if (subcommand == nullptr) {
    absl::FPrintF(stderr, "lipsync-cli: %s (see: lipsync-cli help)\n",
                  absl::StartsWith(name, "-")
                      ? "the subcommand comes first: lipsync-cli "
                        "<subcommand> [flags]"
                      : absl::StrFormat("no subcommand '%s'", name));
    return kExitUsage;
  }

  const std::vector<std::string> rest(argv + 2, argv + argc);
  std::vector<std::string> allowed = CommonFlagNames();
  allowed.insert(allowed.end(), subcommand->flags.begin(),
                 subcommand->flags.end());
  auto scanned = ScanFlags(rest, allowed, name);
  if (!scanned.ok()) return UsageError(name, scanned.status().message());
  if (scanned->help) {
    absl::PrintF("%s", SubcommandHelp(name));
    return 0;
  }
  if (!scanned->positional.empty()) {
    return UsageError(name,
                      absl::StrFormat("unexpected argument '%s' (flags are "
                                      "--name=value; see: lipsync-cli help %s)",
                                      scanned->positional.front(), name));
  }
  // The scan has vetted every argument, so absl's parse cannot fail here.
  std::vector<char*> flag_argv = {argv[0]};
  for (int i = 2; i < argc; ++i) flag_argv.push_back(argv[i]);
  absl::ParseCommandLine(static_cast<int>(flag_argv.size()), flag_argv.data());

  auto common = ReadCommonArgs(name);
  if (!common.ok()) return UsageError(name, common.status().message());
  return subcommand->run(*common);
}

}  // namespace
}  // namespace lipsync::client::cli

int main(int argc, char** argv) {
  return lipsync::client::cli::Main(argc, argv);
}

// The lipsync-cli subcommands: what each is called, which flags it takes,
// and the function that runs it.
#ifndef LIPSYNC_CLIENT_CLI_SUBCOMMANDS_H_
#define LIPSYNC_CLIENT_CLI_SUBCOMMANDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/cli/common.h"

namespace lipsync::client::cli {

// Each reads its own flags (a usage error exits kExitUsage before any call),
// runs, prints, and returns the process exit code (see common.h).
int RunIdentify(const CommonArgs& common);
int RunCreate(const CommonArgs& common);
int RunGet(const CommonArgs& common);
int RunList(const CommonArgs& common);
int RunWatch(const CommonArgs& common);
int RunRun(const CommonArgs& common);

struct Subcommand {
  const char* name;
  // One line for the overview.
  const char* summary;
  // The flags it takes besides CommonFlagNames().
  std::vector<std::string> flags;
  int (*run)(const CommonArgs& common);
};

// In the order the overview lists them (the workflow's order).
const std::vector<Subcommand>& Subcommands();
// nullptr when there is no such subcommand.
const Subcommand* FindSubcommand(absl::string_view name);
// Flags every subcommand takes.
const std::vector<std::string>& CommonFlagNames();

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_SUBCOMMANDS_H_

// Running the built lipsync-cli (LIPSYNC_CLI_PATH) in tests.
#ifndef LIPSYNC_TESTS_CLIENT_CLI_PROCESS_H_
#define LIPSYNC_TESTS_CLIENT_CLI_PROCESS_H_

#include <string>
#include <vector>

#include "tests/client/run_process.h"

#ifndef LIPSYNC_CLI_PATH
#error "LIPSYNC_CLI_PATH must name the lipsync-cli binary"
#endif

namespace lipsync::client::testing {

// The exit codes the CLI promises, spelled out so that a change shows.
inline constexpr int kExitUsage = 64;
inline constexpr int kExitTaskFailed = 65;

// Runs lipsync-cli with `args`, hermetically: no target or token from the
// caller's environment unless `options` sets them.
inline ProcessResult RunCli(std::vector<std::string> args,
                            ProcessOptions options = ProcessOptions()) {
  args.insert(args.begin(), LIPSYNC_CLI_PATH);
  for (const char* name : {"LIPSYNC_TARGET", "LIPSYNC_TOKEN"}) {
    if (options.set_env.count(name) == 0) options.unset_env.push_back(name);
  }
  return RunProcess(args, options);
}

}  // namespace lipsync::client::testing

#endif  // LIPSYNC_TESTS_CLIENT_CLI_PROCESS_H_

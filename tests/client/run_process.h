// Runs a program to completion, capturing its output (tests of lipsync-cli).
#ifndef LIPSYNC_TESTS_CLIENT_RUN_PROCESS_H_
#define LIPSYNC_TESTS_CLIENT_RUN_PROCESS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace lipsync::client::testing {

struct ProcessResult {
  // The exit status, or -1 when the process was killed (by a signal or by
  // the timeout).
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct ProcessOptions {
  // Variables set in the child on top of the inherited environment.
  std::map<std::string, std::string> set_env;
  // Variables removed from the child's environment.
  std::vector<std::string> unset_env;
  // The child is killed after this long.
  absl::Duration timeout = absl::Seconds(60);
};

// Runs `argv` (argv[0] is the program path) with stdin from /dev/null.
// Uses posix_spawn, not fork, because the test process runs gRPC threads.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const ProcessOptions& options = {});

}  // namespace lipsync::client::testing

#endif  // LIPSYNC_TESTS_CLIENT_RUN_PROCESS_H_

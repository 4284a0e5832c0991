// Runs a real binary as a child process for integration tests: output goes
// to a log file, and the child is stopped (SIGTERM, then SIGKILL) when the
// object goes away.
#ifndef LIPSYNC_TESTS_SUPPORT_SUBPROCESS_H_
#define LIPSYNC_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lipsync::testing {

class Subprocess {
 public:
  // Starts `argv[0]` with `argv` and the current environment plus `env`.
  // stdout and stderr go to `log_path`.
  Subprocess(std::vector<std::string> argv,
             std::map<std::string, std::string> env, std::string log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` (e.g. SIGTERM).
  void Signal(int signal);
  // Waits up to `timeout` for the exit; the exit code, or -1 on a timeout,
  // 128+N when killed by signal N.
  int Wait(absl::Duration timeout);
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
};

// A fresh directory under $TMPDIR (or /tmp), unique per call.
std::string MakeTempDir(const std::string& prefix);

// Polls `path` until it holds a port number, up to `timeout`.
absl::StatusOr<int> WaitForPortFile(const std::string& path,
                                    absl::Duration timeout,
                                    Subprocess* process);

// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
int UnusedLoopbackPort();

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_SUBPROCESS_H_

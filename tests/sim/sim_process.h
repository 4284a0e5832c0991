#ifndef LIPSYNC_TESTS_SIM_SIM_PROCESS_H_
#define LIPSYNC_TESTS_SIM_SIM_PROCESS_H_

#include <httplib.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace kling_sim_test {

// A real kling-sim process on 127.0.0.1 and an ephemeral port, for
// integration tests. Start() waits (with a deadline, never a fixed sleep)
// until the sim has written its port file; the destructor stops it with
// SIGTERM (SIGKILL if it lingers) and removes its temporary directory.
class SimProcess {
 public:
  // nullptr (with a gtest failure) when the sim does not come up.
  static std::unique_ptr<SimProcess> Start(
      const std::vector<std::string>& extra_args);
  ~SimProcess();

  int port() const { return port_; }
  // A keep-alive client to the sim with short timeouts.
  std::unique_ptr<httplib::Client> NewClient() const;

 private:
  SimProcess(pid_t pid, std::string dir, int port)
      : pid_(pid), dir_(std::move(dir)), port_(port) {}

  pid_t pid_;
  std::string dir_;
  int port_;
};

// The path of the kling-sim binary under test (set by CMake).
std::string SimBinaryPath();

}  // namespace kling_sim_test

#endif  // LIPSYNC_TESTS_SIM_SIM_PROCESS_H_

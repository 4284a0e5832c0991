#include "tests/sim/sim_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"

extern char** environ;

namespace kling_sim_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartDeadline = std::chrono::seconds(10);
constexpr auto kStopDeadline = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(5);

// The port, once the sim has renamed its port file into place; -1 before.
int ReadPort(const std::string& path) {
  std::ifstream in(path);
  int port = -1;
  if (in && (in >> port) && port > 0) return port;
  return -1;
}

}  // namespace

std::string SimBinaryPath() {
  if (const char* path = std::getenv("KLING_SIM_BINARY")) return path;
  return KLING_SIM_BINARY;
}

std::unique_ptr<SimProcess> SimProcess::Start(
    const std::vector<std::string>& extra_args) {
  char dir_template[] = "/tmp/kling-sim-test.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return nullptr;
  }
  const std::string dir = dir_template;
  const std::string port_file = dir + "/port";
  const std::string binary = SimBinaryPath();

  std::vector<std::string> args = {binary, "--listen=127.0.0.1:0",
                                   "--port_file=" + port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // Keep the sim's stdout (its "listening" line) out of the test output.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO,
                                   (dir + "/stdout").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << binary << ": errno " << spawned;
    return nullptr;
  }

  const auto deadline = Clock::now() + kStartDeadline;
  while (Clock::now() < deadline) {
    const int port = ReadPort(port_file);
    if (port > 0) {
      return std::unique_ptr<SimProcess>(new SimProcess(pid, dir, port));
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ADD_FAILURE() << "kling-sim exited during start-up, status " << status;
      return nullptr;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ADD_FAILURE() << "kling-sim did not write its port file in time";
  return nullptr;
}

SimProcess::~SimProcess() {
  kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + kStopDeadline;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      ADD_FAILURE() << "kling-sim ignored SIGTERM; killing it";
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  std::remove((dir_ + "/port").c_str());
  std::remove((dir_ + "/stdout").c_str());
  rmdir(dir_.c_str());
}

std::unique_ptr<httplib::Client> SimProcess::NewClient() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // else each POST waits ~40 ms (Nagle)
  client->set_connection_timeout(2, 0);
  client->set_read_timeout(5, 0);
  client->set_write_timeout(5, 0);
  return client;
}

}  // namespace kling_sim_test

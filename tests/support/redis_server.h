// A real redis-server for tests: its own directory, a free loopback port
// and a Unix socket, no persistence; stopped by its pid (never by name).
#ifndef LIPSYNC_TESTS_SUPPORT_REDIS_SERVER_H_
#define LIPSYNC_TESTS_SUPPORT_REDIS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"

namespace lipsync::testing {

class RedisServer {
 public:
  // `password` empty: no requirepass.
  explicit RedisServer(std::string password = "");
  ~RedisServer();

  // Starts the server (again, on the same port and socket, after Kill) and
  // waits until it answers PING.
  absl::Status Start(absl::Duration timeout = absl::Seconds(10));
  // SIGKILL and reap.
  void Kill();

  int port() const { return port_; }
  const std::string& socket_path() const { return socket_path_; }
  std::string tcp_url() const;
  std::string unix_url() const;
  const std::string& dir() const { return dir_; }

  // A synchronous command through hiredis (test set-up and checks):
  // the reply's string, "(nil)", "(integer) N", or an error status.
  absl::StatusOr<std::string> Run(const std::vector<std::string>& args);

 private:
  const std::string password_;
  std::string dir_;
  int port_ = 0;
  std::string socket_path_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_REDIS_SERVER_H_

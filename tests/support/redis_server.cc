#include "tests/support/redis_server.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lipsync::testing {

RedisServer::RedisServer(std::string password)
    : password_(std::move(password)),
      dir_(MakeTempDir("redis")),
      port_(UnusedLoopbackPort()),
      socket_path_(absl::StrCat(dir_, "/redis.sock")) {}

RedisServer::~RedisServer() { Kill(); }

std::string RedisServer::tcp_url() const {
  return absl::StrCat("redis://127.0.0.1:", port_);
}
std::string RedisServer::unix_url() const {
  return absl::StrCat("unix://", socket_path_);
}

absl::Status RedisServer::Start(absl::Duration timeout) {
  std::vector<std::string> argv = {"/usr/bin/redis-server",
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--unixsocket",
                                   socket_path_,
                                   "--dir",
                                   dir_,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no"};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  process_ = std::make_unique<Subprocess>(std::move(argv),
                                          std::map<std::string, std::string>{},
                                          absl::StrCat(dir_, "/redis.log"));
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (!process_->running()) {
      return absl::UnavailableError("redis-server exited: " +
                                    process_->ReadLog());
    }
    absl::StatusOr<std::string> pong = Run({"PING"});
    if (pong.ok()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("redis-server did not answer PING");
}

void RedisServer::Kill() {
  if (process_ == nullptr) return;
  if (process_->running()) {
    process_->Signal(SIGKILL);
    process_->Wait(absl::Seconds(10));
  }
  process_.reset();
}

absl::StatusOr<std::string> RedisServer::Run(
    const std::vector<std::string>& args) {
  timeval timeout{1, 0};
  redisContext* c = redisConnectUnixWithTimeout(socket_path_.c_str(), timeout);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return absl::UnavailableError("cannot connect");
  }
  auto command = [c](const std::vector<std::string>& a) {
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (const std::string& s : a) {
      argv.push_back(s.data());
      argvlen.push_back(s.size());
    }
    return static_cast<redisReply*>(redisCommandArgv(
        c, static_cast<int>(a.size()), argv.data(), argvlen.data()));
  };
  absl::StatusOr<std::string> result;
  if (!password_.empty()) {
    redisReply* auth = command({"AUTH", password_});
    if (auth != nullptr) freeReplyObject(auth);
  }
  redisReply* reply = command(args);
  if (reply == nullptr) {
    result = absl::UnavailableError("no reply");
  } else if (reply->type == REDIS_REPLY_ERROR) {
    result = absl::InternalError(std::string(reply->str, reply->len));
  } else if (reply->type == REDIS_REPLY_NIL) {
    result = std::string("(nil)");
  } else if (reply->type == REDIS_REPLY_INTEGER) {
    result = absl::StrCat("(integer) ", reply->integer);
  } else if (reply->type == REDIS_REPLY_STRING ||
             reply->type == REDIS_REPLY_STATUS) {
    result = std::string(reply->str, reply->len);
  } else {
    result = std::string("(other)");
  }
  if (reply != nullptr) freeReplyObject(reply);
  redisFree(c);
  return result;
}

}  // namespace lipsync::testing

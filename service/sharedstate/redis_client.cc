#include "service/sharedstate/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/common/json_log.h"

namespace lipsync::sharedstate {

struct RedisClient::Op {
  std::string name;  // lower-case command name, the metrics label
  std::vector<std::string> args;
  ReplyCallback done;
  absl::Time submitted;
  absl::Time deadline;
  absl::Time sent = absl::InfinitePast();
  bool completed = false;
};

namespace {

// Handshake steps, told apart by their privdata.
char kAuthStep;
char kSelectStep;
char kPingStep;

RedisReply Detach(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(Detach(*reply.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

RedisClient* ClientOf(const redisAsyncContext* ac) {
  return static_cast<RedisClient*>(ac->data);
}

}  // namespace

RedisClient::RedisClient(RedisClientOptions options,
                         RedisClientObserver* observer)
    : options_(std::move(options)), observer_(observer) {
  thread_ = std::thread([this] { Run(); });
}

RedisClient::~RedisClient() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  poll_.Wake();
  thread_.join();
}

void RedisClient::Command(std::vector<std::string> args, ReplyCallback done) {
  auto op = std::make_unique<Op>();
  op->name = args.empty() ? "" : absl::AsciiStrToLower(args[0]);
  op->args = std::move(args);
  op->done = std::move(done);
  op->submitted = absl::Now();
  op->deadline = op->submitted + options_.op_timeout;
  Submit(std::move(op));
}

void RedisClient::Get(std::string key, GetCallback done) {
  std::vector<std::string> args;
  args.reserve(2);
  args.emplace_back("GET");
  args.push_back(std::move(key));
  Command(std::move(args),
          [done = std::move(done)](absl::StatusOr<RedisReply> reply) {
            if (!reply.ok()) return done(reply.status());
            switch (reply->type) {
              case RedisReply::Type::kNil:
                return done(std::optional<std::string>());
              case RedisReply::Type::kString:
                return done(std::optional<std::string>(std::move(reply->str)));
              default:
                return done(absl::InternalError("redis: GET: not a string"));
            }
          });
}

void RedisClient::SetPx(std::string key, std::string value, absl::Duration ttl,
                        DoneCallback done) {
  const int64_t ms = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1))));
  std::vector<std::string> args;
  args.reserve(5);
  args.emplace_back("SET");
  args.push_back(std::move(key));
  args.push_back(std::move(value));
  args.emplace_back("PX");
  args.push_back(absl::StrCat(ms));
  Command(std::move(args),
          [done = std::move(done)](const absl::StatusOr<RedisReply>& reply) {
            done(reply.status());
          });
}

void RedisClient::Submit(std::unique_ptr<Op> op) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queued_.push_back(std::move(op));
      // One wake per batch: the loop drains the whole queue at once.
      if (queued_.size() == 1) poll_.Wake();
      return;
    }
  }
  op->done(absl::UnavailableError("shared state client stopped"));
}

void RedisClient::Run() {
  std::vector<std::unique_ptr<Op>> batch;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      batch.swap(queued_);
    }
    absl::Time now = absl::Now();
    for (std::unique_ptr<Op>& op : batch) {
      if (state_ != State::kUp) {
        Complete(op.get(), absl::UnavailableError("shared state unavailable"));
        continue;
      }
      if (now >= op->deadline) {
        Complete(op.get(), absl::DeadlineExceededError(
                               "shared state: budget spent before sending"));
        continue;
      }
      if (in_flight_.size() >= options_.max_pending) {
        Complete(op.get(),
                 absl::UnavailableError("shared state: too many pending"));
        continue;
      }
      std::vector<const char*> argv;
      std::vector<size_t> argvlen;
      argv.reserve(op->args.size());
      argvlen.reserve(op->args.size());
      for (const std::string& arg : op->args) {
        argv.push_back(arg.data());
        argvlen.push_back(arg.size());
      }
      if (redisAsyncCommandArgv(context_, &RedisClient::OnReply, op.get(),
                                static_cast<int>(argv.size()), argv.data(),
                                argvlen.data()) != REDIS_OK) {
        Complete(op.get(), absl::UnavailableError("shared state: not sent"));
        continue;
      }
      op->sent = now;
      in_flight_.push_back(op.release());
    }
    batch.clear();
    ExpireOverdue(now);
    if (state_ == State::kDown && now >= next_attempt_) Connect(now);
    if (state_ == State::kConnecting && now >= connect_deadline_) {
      Drop("connect timeout");
    }
    if (state_ == State::kUp && !in_flight_.empty() &&
        now - std::max(last_reply_, in_flight_.front()->sent) >
            options_.stall_limit) {
      Drop("no reply within the stall limit");
    }
    for (const upstream::EventPoll::Ready& ready :
         poll_.Wait(NextWaitMs(absl::Now()))) {
      if (context_ == nullptr || ready.fd != fd_) continue;
      if (ready.readable || (ready.failed && want_read_)) {
        redisAsyncHandleRead(context_);
      }
      if (context_ != nullptr &&
          (ready.writable || (ready.failed && !want_read_))) {
        redisAsyncHandleWrite(context_);
      }
    }
  }
  // Pending callbacks run with a null reply (UNAVAILABLE) inside the free;
  // a deliberate stop is no outage to log or report.
  stopped_ = true;
  if (context_ != nullptr) redisAsyncFree(context_);
  std::vector<std::unique_ptr<Op>> left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(queued_);
  }
  for (std::unique_ptr<Op>& op : left) {
    Complete(op.get(), absl::UnavailableError("shared state client stopped"));
  }
}

int RedisClient::NextWaitMs(absl::Time now) const {
  absl::Time wake = now + absl::Seconds(1);
  if (expired_in_flight_ < in_flight_.size()) {
    wake = std::min(wake, in_flight_[expired_in_flight_]->deadline);
  }
  if (state_ == State::kDown) wake = std::min(wake, next_attempt_);
  if (state_ == State::kConnecting) wake = std::min(wake, connect_deadline_);
  if (state_ == State::kUp && !in_flight_.empty()) {
    wake = std::min(wake, std::max(last_reply_, in_flight_.front()->sent) +
                              options_.stall_limit);
  }
  if (wake <= now) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(absl::Ceil(wake - now, absl::Milliseconds(1))));
}

void RedisClient::ExpireOverdue(absl::Time now) {
  while (expired_in_flight_ < in_flight_.size() &&
         in_flight_[expired_in_flight_]->deadline <= now) {
    Op* op = in_flight_[expired_in_flight_];
    ++expired_in_flight_;
    Complete(op, absl::DeadlineExceededError(
                     "shared state: no reply within the operation budget"));
  }
}

void RedisClient::Complete(Op* op, absl::StatusOr<RedisReply> reply) {
  if (op->completed) return;
  op->completed = true;
  if (observer_ != nullptr) {
    observer_->OnOperation(op->name, reply.status().code(),
                           absl::Now() - op->submitted);
  }
  ReplyCallback done = std::move(op->done);
  done(std::move(reply));
}

void RedisClient::Connect(absl::Time now) {
  state_ = State::kConnecting;
  connect_deadline_ = now + options_.connect_timeout;
  const RedisEndpoint& endpoint = options_.endpoint;
  redisAsyncContext* ac =
      endpoint.unix_path.empty()
          ? redisAsyncConnect(endpoint.host.c_str(), endpoint.port)
          : redisAsyncConnectUnix(endpoint.unix_path.c_str());
  if (ac == nullptr) {
    GoDown("cannot allocate a connection");
    return;
  }
  if (ac->err != 0) {
    const std::string why = ac->errstr;
    redisAsyncFree(ac);
    GoDown(why);
    return;
  }
  context_ = ac;
  fd_ = ac->c.fd;
  ac->data = this;
  ac->ev.data = this;
  ac->ev.addRead = &RedisClient::AddRead;
  ac->ev.delRead = &RedisClient::DelRead;
  ac->ev.addWrite = &RedisClient::AddWrite;
  ac->ev.delWrite = &RedisClient::DelWrite;
  ac->ev.cleanup = &RedisClient::Cleanup;
  redisAsyncSetDisconnectCallback(ac, &RedisClient::OnDisconnect);
  // Also asks for writability: the connect completes on the first one.
  redisAsyncSetConnectCallback(ac, &RedisClient::OnConnect);
}

void RedisClient::Handshake() {
  if (!options_.password.empty()) {
    const char* argv[] = {"AUTH", options_.password.data()};
    const size_t argvlen[] = {4, options_.password.size()};
    redisAsyncCommandArgv(context_, &RedisClient::OnHandshakeReply, &kAuthStep,
                          2, argv, argvlen);
  }
  if (options_.endpoint.db != 0) {
    const std::string db = absl::StrCat(options_.endpoint.db);
    const char* argv[] = {"SELECT", db.data()};
    const size_t argvlen[] = {6, db.size()};
    redisAsyncCommandArgv(context_, &RedisClient::OnHandshakeReply,
                          &kSelectStep, 2, argv, argvlen);
  }
  redisAsyncCommand(context_, &RedisClient::OnHandshakeReply, &kPingStep,
                    "PING");
}

void RedisClient::Drop(absl::string_view why) {
  if (context_ != nullptr) {
    down_reason_ = std::string(why);
    // Pending callbacks run with a null reply; OnDisconnect runs if the
    // connection was established; Cleanup clears context_.
    redisAsyncFree(context_);
  }
  if (state_ != State::kDown) GoDown(why);
}

void RedisClient::GoDown(absl::string_view why) {
  const absl::Time now = absl::Now();
  state_ = State::kDown;
  up_.store(false, std::memory_order_relaxed);
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? options_.backoff_initial
                 : std::min(backoff_ * 2, options_.backoff_max);
  next_attempt_ = now + backoff_;
  down_reason_.clear();
  if (!stopped_ && announced_ != Announced::kDown) {
    announced_ = Announced::kDown;
    LogJson(LogLevel::kWarning, "shared state down",
            {{"redis", options_.endpoint.ToString()},
             {"reason", std::string(why)},
             {"retry_in", absl::FormatDuration(backoff_)}});
    if (observer_ != nullptr) observer_->OnAvailability(false);
  }
}

void RedisClient::OnConnect(const redisAsyncContext* ac, int status) {
  RedisClient* client = ClientOf(ac);
  if (status != REDIS_OK) {
    // hiredis frees the context right after this callback (Cleanup).
    client->GoDown(ac->errstr);
    return;
  }
  client->Handshake();
}

void RedisClient::OnDisconnect(const redisAsyncContext* ac, int status) {
  RedisClient* client = ClientOf(ac);
  std::string why = client->down_reason_;
  if (why.empty()) {
    why = status == REDIS_OK ? "connection closed" : std::string(ac->errstr);
  }
  client->GoDown(why);
}

void RedisClient::OnHandshakeReply(redisAsyncContext* ac, void* reply,
                                   void* privdata) {
  RedisClient* client = ClientOf(ac);
  const auto* r = static_cast<const redisReply*>(reply);
  if (r == nullptr) return;  // the disconnect reports it
  if (r->type == REDIS_REPLY_ERROR) {
    if (client->down_reason_.empty()) {
      // AUTH's error never quotes the password; say which step failed.
      client->down_reason_ =
          privdata == &kAuthStep
              ? absl::StrCat("AUTH refused: ",
                             absl::string_view(r->str, r->len))
          : privdata == &kSelectStep
              ? absl::StrCat("SELECT refused: ",
                             absl::string_view(r->str, r->len))
              : absl::StrCat("PING refused: ",
                             absl::string_view(r->str, r->len));
    }
    // Inside a callback hiredis defers the disconnect until the pipelined
    // handshake replies are in.
    redisAsyncDisconnect(ac);
    return;
  }
  if (privdata != &kPingStep || !client->down_reason_.empty()) return;
  client->state_ = State::kUp;
  client->up_.store(true, std::memory_order_relaxed);
  client->backoff_ = absl::ZeroDuration();
  client->last_reply_ = absl::Now();
  if (client->announced_ != Announced::kUp) {
    client->announced_ = Announced::kUp;
    LogJson(LogLevel::kInfo, "shared state up",
            {{"redis", client->options_.endpoint.ToString()}});
    if (client->observer_ != nullptr) client->observer_->OnAvailability(true);
  }
}

void RedisClient::OnReply(redisAsyncContext* ac, void* reply, void* privdata) {
  RedisClient* client = ClientOf(ac);
  Op* op = static_cast<Op*>(privdata);
  std::deque<Op*>& in_flight = client->in_flight_;
  auto it = std::find(in_flight.begin(), in_flight.end(), op);
  if (it != in_flight.end()) {
    const auto index = static_cast<size_t>(it - in_flight.begin());
    if (index < client->expired_in_flight_) --client->expired_in_flight_;
    in_flight.erase(it);
  }
  const auto* r = static_cast<const redisReply*>(reply);
  if (r == nullptr) {
    client->Complete(op,
                     absl::UnavailableError("shared state: connection lost"));
  } else {
    client->last_reply_ = absl::Now();
    if (r->type == REDIS_REPLY_ERROR) {
      client->Complete(op, absl::InternalError(absl::StrCat(
                               "redis: ", absl::string_view(r->str, r->len))));
    } else {
      client->Complete(op, Detach(*r));
    }
  }
  delete op;
}

void RedisClient::AddRead(void* privdata) {
  auto* client = static_cast<RedisClient*>(privdata);
  client->want_read_ = true;
  client->UpdateWatch();
}
void RedisClient::DelRead(void* privdata) {
  auto* client = static_cast<RedisClient*>(privdata);
  client->want_read_ = false;
  client->UpdateWatch();
}
void RedisClient::AddWrite(void* privdata) {
  auto* client = static_cast<RedisClient*>(privdata);
  client->want_write_ = true;
  client->UpdateWatch();
}
void RedisClient::DelWrite(void* privdata) {
  auto* client = static_cast<RedisClient*>(privdata);
  client->want_write_ = false;
  client->UpdateWatch();
}
void RedisClient::Cleanup(void* privdata) {
  auto* client = static_cast<RedisClient*>(privdata);
  client->want_read_ = false;
  client->want_write_ = false;
  if (client->fd_ >= 0) client->poll_.Closing(client->fd_);
  client->fd_ = -1;
  client->context_ = nullptr;
}

void RedisClient::UpdateWatch() {
  if (fd_ < 0) return;
  // A refusal leaves the socket unwatched; the stall or connect limit then
  // drops the connection.
  (void)poll_.Watch(fd_, want_read_, want_write_);
}

}  // namespace lipsync::sharedstate

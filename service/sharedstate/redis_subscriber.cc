#include "service/sharedstate/redis_subscriber.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include "absl/time/clock.h"
#include "service/common/json_log.h"

namespace lipsync::sharedstate {
namespace {

RedisSubscriber* SubscriberOf(const redisAsyncContext* ac) {
  return static_cast<RedisSubscriber*>(ac->data);
}

bool IsString(const redisReply* r) {
  return r != nullptr &&
         (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

}  // namespace

RedisSubscriber::RedisSubscriber(RedisClientOptions options,
                                 MessageCallback on_message)
    : options_(std::move(options)), on_message_(std::move(on_message)) {
  thread_ = std::thread([this] { Run(); });
}

RedisSubscriber::~RedisSubscriber() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  poll_.Wake();
  thread_.join();
}

void RedisSubscriber::Subscribe(std::string channel) {
  absl::MutexLock lock(&mu_);
  requests_.emplace_back(true, std::move(channel));
  if (requests_.size() == 1) poll_.Wake();
}

void RedisSubscriber::Unsubscribe(std::string channel) {
  absl::MutexLock lock(&mu_);
  requests_.emplace_back(false, std::move(channel));
  if (requests_.size() == 1) poll_.Wake();
}

void RedisSubscriber::Run() {
  std::vector<std::pair<bool, std::string>> batch;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      batch.swap(requests_);
    }
    for (const auto& [subscribe, channel] : batch) Apply(subscribe, channel);
    batch.clear();
    const absl::Time now = absl::Now();
    if (state_ == State::kDown && now >= next_attempt_) Connect(now);
    if (state_ == State::kConnecting && now >= connect_deadline_ &&
        context_ != nullptr) {
      redisAsyncFree(context_);
      GoDown("connect timeout");
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
  // A deliberate stop: no outage to log; callbacks see a null reply.
  stopped_ = true;
  if (context_ != nullptr) redisAsyncFree(context_);
}

void RedisSubscriber::Apply(bool subscribe, const std::string& channel) {
  if (subscribe) {
    if (!channels_.insert(channel).second) return;
    if (state_ == State::kUp) SendSubscribe(channel);
    return;
  }
  if (channels_.erase(channel) == 0) return;
  if (state_ == State::kUp) {
    // Its reply goes to the channel's subscription callback (OnMessage).
    const char* argv[] = {"UNSUBSCRIBE", channel.data()};
    const size_t argvlen[] = {11, channel.size()};
    redisAsyncCommandArgv(context_, nullptr, nullptr, 2, argv, argvlen);
  }
}

void RedisSubscriber::SendSubscribe(const std::string& channel) {
  const char* argv[] = {"SUBSCRIBE", channel.data()};
  const size_t argvlen[] = {9, channel.size()};
  redisAsyncCommandArgv(context_, &RedisSubscriber::OnMessage, nullptr, 2, argv,
                        argvlen);
}

int RedisSubscriber::NextWaitMs(absl::Time now) const {
  absl::Time wake = now + absl::Seconds(1);
  if (state_ == State::kDown) wake = std::min(wake, next_attempt_);
  if (state_ == State::kConnecting) wake = std::min(wake, connect_deadline_);
  if (wake <= now) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(absl::Ceil(wake - now, absl::Milliseconds(1))));
}

void RedisSubscriber::Connect(absl::Time now) {
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
  ac->ev.addRead = &RedisSubscriber::AddRead;
  ac->ev.delRead = &RedisSubscriber::DelRead;
  ac->ev.addWrite = &RedisSubscriber::AddWrite;
  ac->ev.delWrite = &RedisSubscriber::DelWrite;
  ac->ev.cleanup = &RedisSubscriber::Cleanup;
  redisAsyncSetDisconnectCallback(ac, &RedisSubscriber::OnDisconnect);
  redisAsyncSetConnectCallback(ac, &RedisSubscriber::OnConnect);
}

void RedisSubscriber::GoDown(absl::string_view why) {
  state_ = State::kDown;
  up_.store(false, std::memory_order_relaxed);
  backoff_ = backoff_ == absl::ZeroDuration()
                 ? options_.backoff_initial
                 : std::min(backoff_ * 2, options_.backoff_max);
  next_attempt_ = absl::Now() + backoff_;
  if (!stopped_ && !announced_down_) {
    announced_down_ = true;
    LogJson(LogLevel::kWarning, "shared state subscriber down",
            {{"redis", options_.endpoint.ToString()},
             {"reason", std::string(why)},
             {"retry_in", absl::FormatDuration(backoff_)}});
  }
}

void RedisSubscriber::OnConnect(const redisAsyncContext* ac, int status) {
  RedisSubscriber* self = SubscriberOf(ac);
  if (status != REDIS_OK) {
    self->GoDown(ac->errstr);
    return;
  }
  // hiredis answers in order: AUTH's reply comes before any subscription's,
  // and a refused AUTH disconnects.
  auto* context = const_cast<redisAsyncContext*>(ac);
  if (!self->options_.password.empty()) {
    const char* argv[] = {"AUTH", self->options_.password.data()};
    const size_t argvlen[] = {4, self->options_.password.size()};
    redisAsyncCommandArgv(context, &RedisSubscriber::OnAuthReply, nullptr, 2,
                          argv, argvlen);
  }
  self->state_ = State::kUp;
  for (const std::string& channel : self->channels_) {
    self->SendSubscribe(channel);
  }
  self->backoff_ = absl::ZeroDuration();
  self->up_.store(true, std::memory_order_relaxed);
  if (self->announced_down_) {
    self->announced_down_ = false;
    LogJson(LogLevel::kInfo, "shared state subscriber up",
            {{"redis", self->options_.endpoint.ToString()}});
  }
}

void RedisSubscriber::OnDisconnect(const redisAsyncContext* ac, int status) {
  SubscriberOf(ac)->GoDown(status == REDIS_OK ? "connection closed"
                                              : std::string(ac->errstr));
}

void RedisSubscriber::OnAuthReply(redisAsyncContext* ac, void* reply,
                                  void* /*privdata*/) {
  const auto* r = static_cast<const redisReply*>(reply);
  if (r != nullptr && r->type == REDIS_REPLY_ERROR) redisAsyncDisconnect(ac);
}

void RedisSubscriber::OnMessage(redisAsyncContext* ac, void* reply,
                                void* /*privdata*/) {
  const auto* r = static_cast<const redisReply*>(reply);
  // Null: the connection is going; subscribe/unsubscribe confirmations and
  // errors carry no message.
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
      !IsString(r->element[0]) || !IsString(r->element[1]) ||
      r->element[2]->type != REDIS_REPLY_STRING ||
      absl::string_view(r->element[0]->str, r->element[0]->len) != "message") {
    return;
  }
  SubscriberOf(ac)->on_message_(
      std::string(r->element[1]->str, r->element[1]->len),
      std::string(r->element[2]->str, r->element[2]->len));
}

void RedisSubscriber::AddRead(void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  self->want_read_ = true;
  self->UpdateWatch();
}
void RedisSubscriber::DelRead(void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  self->want_read_ = false;
  self->UpdateWatch();
}
void RedisSubscriber::AddWrite(void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  self->want_write_ = true;
  self->UpdateWatch();
}
void RedisSubscriber::DelWrite(void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  self->want_write_ = false;
  self->UpdateWatch();
}
void RedisSubscriber::Cleanup(void* privdata) {
  auto* self = static_cast<RedisSubscriber*>(privdata);
  self->want_read_ = false;
  self->want_write_ = false;
  if (self->fd_ >= 0) self->poll_.Closing(self->fd_);
  self->fd_ = -1;
  self->context_ = nullptr;
}

void RedisSubscriber::UpdateWatch() {
  if (fd_ < 0) return;
  // A refusal leaves the socket unwatched; the connect limit or the peer's
  // close then takes the connection down.
  (void)poll_.Watch(fd_, want_read_, want_write_);
}

}  // namespace lipsync::sharedstate

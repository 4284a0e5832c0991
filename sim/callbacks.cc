#include "sim/callbacks.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "sim/api_answer.h"
#include "sim/task_view.h"

namespace kling_sim {
namespace {

bool IsLoopbackHost(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace

std::optional<CallbackTarget> LoopbackCallbackTarget(absl::string_view url) {
  absl::string_view rest = url;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http";
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https";
  } else {
    return std::nullopt;
  }
  const size_t path_start = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, path_start);
  std::string path = path_start == absl::string_view::npos
                         ? "/"
                         : std::string(rest.substr(path_start));
  if (path[0] != '/') path.insert(0, "/");
  if (const size_t fragment = path.find('#'); fragment != std::string::npos) {
    path.resize(fragment);
  }
  // Userinfo ("user@host") could hide the real host from a naive check.
  if (absl::StrContains(authority, '@')) return std::nullopt;

  absl::string_view host = authority;
  if (absl::StartsWith(authority, "[")) {  // [::1]:port
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
  } else if (const size_t colon = authority.rfind(':');
             colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
  }
  if (!IsLoopbackHost(host)) return std::nullopt;
  return CallbackTarget{absl::StrCat(scheme, "://", authority),
                        std::move(path)};
}

CallbackDispatcher::CallbackDispatcher(const TaskStore* tasks,
                                       TaskTimeline timeline, NowMsFn now_ms,
                                       size_t max_pending)
    : tasks_(tasks),
      timeline_(timeline),
      now_ms_(std::move(now_ms)),
      max_pending_(max_pending),
      thread_([this] { Run(); }) {}

CallbackDispatcher::~CallbackDispatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void CallbackDispatcher::TaskCreated(const LipSyncTask& task) {
  if (task.callback_url.empty()) return;
  std::optional<CallbackTarget> target =
      LoopbackCallbackTarget(task.callback_url);
  if (!target.has_value()) {
    std::fprintf(stderr,
                 "kling-sim: task %s: callback_url %s is not a loopback "
                 "http(s) URL; no callbacks are sent\n",
                 task.task_id.c_str(), task.callback_url.c_str());
    return;
  }
  absl::MutexLock lock(&mu_);
  if (pending_.size() + 3 > max_pending_) {
    std::fprintf(stderr,
                 "kling-sim: task %s: callback queue full (%zu pending); its "
                 "callbacks are skipped\n",
                 task.task_id.c_str(), pending_.size());
    return;
  }
  for (const TaskState& change : StatusChanges(task, timeline_)) {
    pending_.emplace(change.updated_at_ms, Delivery{task.task_id, *target});
  }
}

void CallbackDispatcher::Clear() {
  absl::MutexLock lock(&mu_);
  pending_.clear();
}

void CallbackDispatcher::Run() {
  while (true) {
    Delivery delivery;
    int64_t due_ms = 0;
    {
      absl::MutexLock lock(&mu_);
      while (true) {
        if (stopping_) return;
        const int64_t now = now_ms_();
        if (!pending_.empty() && pending_.begin()->first <= now) break;
        // Wake for the earliest due delivery, a new one, or the stop.
        const int64_t wait_ms =
            pending_.empty() ? 1000 : pending_.begin()->first - now;
        auto changed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_;
        };
        mu_.AwaitWithTimeout(
            absl::Condition(&changed),
            absl::Milliseconds(std::min<int64_t>(wait_ms, 50)));
      }
      due_ms = pending_.begin()->first;
      delivery = std::move(pending_.begin()->second);
      pending_.erase(pending_.begin());
    }
    Deliver(delivery, due_ms);
  }
}

void CallbackDispatcher::Deliver(const Delivery& delivery, int64_t due_ms) {
  std::optional<LipSyncTask> task = tasks_->Find(delivery.task_id);
  if (!task.has_value()) return;  // reset or evicted meanwhile
  // Render the task as of the change, even if this thread runs late.
  const std::string body =
      DumpJson(RenderCallback(*task, StateAt(*task, timeline_, due_ms)));
  httplib::Client client(delivery.target.scheme_host_port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  client.set_write_timeout(5, 0);
  httplib::Result result =
      client.Post(delivery.target.path, body, "application/json");
  if (!result) {
    std::fprintf(stderr, "kling-sim: callback for task %s to %s%s failed: %s\n",
                 delivery.task_id.c_str(),
                 delivery.target.scheme_host_port.c_str(),
                 delivery.target.path.c_str(),
                 httplib::to_string(result.error()).c_str());
  }
}

}  // namespace kling_sim

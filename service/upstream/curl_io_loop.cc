#include "service/upstream/curl_io_loop.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"

namespace lipsync::upstream {
namespace {

// Idle easy handles kept for reuse: they hold no connection (the multi
// handle's pool does), only their allocations.
constexpr std::size_t kMaxIdleEasyHandles = 64;
// curl_multi_poll's bound in ms (an int), from options.idle_poll_timeout.
int PollTimeoutMs(const CurlEngineOptions& options) {
  const int64_t ms = absl::ToInt64Milliseconds(options.idle_poll_timeout);
  return static_cast<int>(std::clamp<int64_t>(ms, 1, 24 * 3600 * 1000));
}

}  // namespace

CurlIoLoop::CurlIoLoop(const CurlEngineOptions& options, CURLSH* share)
    : options_(options), share_(share), multi_(curl_multi_init()) {
  // 0: libcurl's own rule, 4 x the transfers active on this loop, so the
  // cache follows the load and never closes a connection that the next
  // call could reuse (docs/PERFORMANCE.md, finding 4).
  const long cache = ConnectionCacheSize(options_);
  if (cache > 0) curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, cache);
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  thread_ = std::thread([this] { Run(); });
}

CurlIoLoop::~CurlIoLoop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
}

void CurlIoLoop::Submit(std::shared_ptr<CurlTransfer> transfer) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      incoming_.push_back(std::move(transfer));
      ++active_count_;
      transfer = nullptr;
    }
  }
  if (transfer != nullptr) {
    transfer->Fail(absl::UnavailableError("gateway is shutting down"));
    return;
  }
  WakeIfAsleep();
}

void CurlIoLoop::Cancel(std::weak_ptr<CurlTransfer> transfer) {
  {
    absl::MutexLock lock(&mu_);
    cancels_.push_back(std::move(transfer));
  }
  WakeIfAsleep();
}

// Why no wakeup is lost: the work is queued under mu_ before the exchange
// below, and the loop stores awake_ = false before it looks at the queue
// under mu_ (HasQueuedWork). Either the loop's look comes after the push (it
// sees the work and does not sleep), or its store comes before our exchange
// (we read false, or true from another submitter that read false, and that
// one wakes the loop). A wakeup sent before the loop sleeps is not lost
// either: curl_multi_poll returns at once while the socketpair is readable.
void CurlIoLoop::WakeIfAsleep() {
  if (awake_.exchange(true)) return;
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  curl_multi_wakeup(multi_);
}

bool CurlIoLoop::HasQueuedWork() const {
  absl::MutexLock lock(&mu_);
  return stopping_ || !incoming_.empty() || !cancels_.empty();
}

std::size_t CurlIoLoop::active_transfers() const {
  absl::MutexLock lock(&mu_);
  return active_count_;
}

void CurlIoLoop::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
    }
    StartPending();
    int running = 0;
    curl_multi_perform(multi_, &running);
    ReapFinished();
    // From here until awake_ is set again, a Submit/Cancel wakes the loop.
    awake_.store(false);
    if (!HasQueuedWork()) {
      curl_multi_poll(multi_, nullptr, 0, PollTimeoutMs(options_), nullptr);
    }
    awake_.store(true);
  }
  // Shutdown: whatever is still in flight ends now, with a clear status.
  StartPending();
  for (auto& [easy, transfer] : active_) {
    curl_multi_remove_handle(multi_, easy);
    transfer->Fail(absl::UnavailableError("gateway is shutting down"));
    curl_easy_cleanup(easy);
  }
  active_.clear();
}

void CurlIoLoop::StartPending() {
  std::vector<std::shared_ptr<CurlTransfer>> incoming;
  std::vector<std::weak_ptr<CurlTransfer>> cancels;
  {
    absl::MutexLock lock(&mu_);
    incoming.swap(incoming_);
    cancels.swap(cancels_);
  }
  std::size_t finished = 0;
  for (auto& transfer : incoming) {
    CURL* easy = AcquireEasy();
    absl::Status configured = transfer->Configure(easy, share_, options_);
    if (!configured.ok()) {
      ReleaseEasy(easy);
      transfer->Fail(std::move(configured));
      ++finished;
      continue;
    }
    curl_multi_add_handle(multi_, easy);
    active_.emplace(easy, std::move(transfer));
  }
  for (auto& weak : cancels) {
    std::shared_ptr<CurlTransfer> transfer = weak.lock();
    if (transfer == nullptr) continue;
    auto it = active_.find(transfer->easy());
    if (it == active_.end() || it->second != transfer) continue;
    curl_multi_remove_handle(multi_, it->first);
    ReleaseEasy(it->first);
    active_.erase(it);
    transfer->Fail(absl::CancelledError("call cancelled by the caller"));
    ++finished;
  }
  if (finished > 0) {
    absl::MutexLock lock(&mu_);
    active_count_ -= finished;
  }
}

void CurlIoLoop::ReapFinished() {
  std::size_t finished = 0;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    auto it = active_.find(easy);
    if (it == active_.end()) continue;
    std::shared_ptr<CurlTransfer> transfer = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    // Complete before releasing the handle: it reads CURLINFO from it.
    transfer->Complete(result);
    ReleaseEasy(easy);
    ++finished;
  }
  if (finished > 0) {
    absl::MutexLock lock(&mu_);
    active_count_ -= finished;
  }
}

CURL* CurlIoLoop::AcquireEasy() {
  if (idle_easy_.empty()) return curl_easy_init();
  CURL* easy = idle_easy_.back();
  idle_easy_.pop_back();
  return easy;
}

void CurlIoLoop::ReleaseEasy(CURL* easy) {
  if (idle_easy_.size() >= kMaxIdleEasyHandles) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  idle_easy_.push_back(easy);
}

}  // namespace lipsync::upstream

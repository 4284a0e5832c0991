#include "service/upstream/curl_io_loop.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/base/internal/raw_logging.h"
#include "absl/status/status.h"

namespace lipsync::upstream {
namespace {

using Clock = std::chrono::steady_clock;

// Idle easy handles kept for reuse: they hold no connection (the multi
// handle's pool does), only their allocations.
constexpr std::size_t kMaxIdleEasyHandles = 64;

int64_t IdlePollTimeoutMs(const CurlEngineOptions& options) {
  const int64_t ms = absl::ToInt64Milliseconds(options.idle_poll_timeout);
  return std::clamp<int64_t>(ms, 1, 24 * 3600 * 1000);
}

}  // namespace

CurlIoLoop::CurlIoLoop(const CurlEngineOptions& options, CURLSH* share)
    : options_(options), share_(share), multi_(curl_multi_init()) {
  // 0: libcurl's own rule, 4 x the transfers active on this loop, so the
  // cache follows the load and never closes a connection that the next
  // call could reuse (a 256 cap closed 1,847-3,820 of them in 6-10 s of S3).
  const long cache = ConnectionCacheSize(options_);
  CURLM* const multi = multi_.get();
  if (cache > 0) curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, cache);
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlIoLoop::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlIoLoop::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
  thread_ = std::thread([this] { Run(); });
}

CurlIoLoop::~CurlIoLoop() {
  Stop();
  // Run has emptied active_. The idle easy handles go first, then the multi
  // handle, while poll_ still lives for the sockets its cache closes.
  idle_easy_.clear();
  multi_.reset();
}

void CurlIoLoop::Stop() {
  if (!thread_.joinable()) return;
  // Would end in std::terminate ("Resource deadlock avoided") on join: the
  // last reference to the engine was dropped in a completion callback.
  // Owners stop the engine before they let go of it (RunServer).
  ABSL_RAW_CHECK(std::this_thread::get_id() != thread_.get_id(),
                 "CurlIoLoop stopped from its own thread: stop the engine "
                 "before the last reference to it can go to a callback");
  {
    absl::MutexLock lock(&mu_);
    stopping_.store(true);
  }
  poll_.Wake();
  thread_.join();
}

void CurlIoLoop::Submit(std::shared_ptr<CurlTransfer> transfer) {
  if (poll_.ok()) {
    absl::MutexLock lock(&mu_);
    if (!stopping_.load()) {
      incoming_.push_back(std::move(transfer));
      active_count_.fetch_add(1, std::memory_order_relaxed);
      transfer = nullptr;
    }
  }
  if (transfer != nullptr) {
    transfer->Fail(absl::UnavailableError(
        poll_.ok() ? "gateway is shutting down"
                   : "the upstream I/O loop has no epoll descriptor"));
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
// either: the eventfd stays readable until the loop's epoll_wait reads it.
void CurlIoLoop::WakeIfAsleep() {
  if (awake_.exchange(true)) return;
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  poll_.Wake();
}

bool CurlIoLoop::HasQueuedWork() const {
  absl::MutexLock lock(&mu_);
  return stopping_.load() || !incoming_.empty() || !cancels_.empty();
}

std::size_t CurlIoLoop::active_transfers() const {
  return active_count_.load(std::memory_order_relaxed);
}

void CurlIoLoop::Run() {
  while (!stopping_.load()) {
    // From here until awake_ is set again, a Submit/Cancel wakes the loop.
    awake_.store(false);
    // With work queued the loop only looks (timeout 0): answers that have
    // already arrived are taken first, so their connections are free again
    // when the queued transfers look for one (instead of opening new ones).
    const absl::Span<const EventPoll::Ready> ready_sockets =
        poll_.Wait(HasQueuedWork() ? 0 : WaitTimeoutMs());
    // Awake again: a completion below that submits more work (a retry, a
    // lookup) need not wake this thread.
    awake_.store(true);
    int running = 0;
    for (const EventPoll::Ready& ready : ready_sockets) {
      const int mask = (ready.readable ? CURL_CSELECT_IN : 0) |
                       (ready.writable ? CURL_CSELECT_OUT : 0) |
                       (ready.failed ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(multi_.get(), ready.fd, mask, &running);
    }
    ReapFinished();
    StartPending();
    RunDueTimer();
    ReapFinished();
  }
  // Shutdown: whatever is still in flight ends now, with a clear status.
  StartPending();
  for (auto& [easy, active] : active_) {
    curl_multi_remove_handle(multi_.get(), easy);
    Finished();
    active.transfer->Fail(absl::UnavailableError("gateway is shutting down"));
  }
  // Frees each easy handle, then its transfer (Active's member order).
  active_.clear();
}

void CurlIoLoop::StartPending() {
  std::vector<std::shared_ptr<CurlTransfer>> incoming;
  std::vector<std::weak_ptr<CurlTransfer>> cancels;
  {
    absl::MutexLock lock(&mu_);
    if (incoming_.empty() && cancels_.empty()) return;
    incoming.swap(incoming_);
    cancels.swap(cancels_);
  }
  for (auto& transfer : incoming) {
    CurlEasyPtr easy = AcquireEasy();
    if (easy == nullptr) {
      Finished();
      transfer->Fail(
          absl::ResourceExhaustedError("libcurl could not allocate a handle"));
      continue;
    }
    absl::Status configured = transfer->Configure(easy.get(), share_, options_);
    if (!configured.ok()) {
      ReleaseEasy(std::move(easy));
      Finished();
      transfer->Fail(std::move(configured));
      continue;
    }
    // Connection sockets: parkable in the epoll set while idle, forgotten
    // when libcurl closes them (EventPoll::MarkParkable). A connection keeps
    // the callbacks of the handle that opened it.
    CURL* const handle = easy.get();
    curl_easy_setopt(handle, CURLOPT_SOCKOPTFUNCTION,
                     &CurlIoLoop::OnSocketOpened);
    curl_easy_setopt(handle, CURLOPT_SOCKOPTDATA, this);
    curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION,
                     &CurlIoLoop::OnSocketClosing);
    curl_easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, this);
    // Arms libcurl's timer at 0: RunDueTimer starts the transfer.
    curl_multi_add_handle(multi_.get(), handle);
    active_.emplace(handle, Active{std::move(transfer), std::move(easy)});
  }
  for (auto& weak : cancels) {
    std::shared_ptr<CurlTransfer> transfer = weak.lock();
    if (transfer == nullptr) continue;
    auto it = active_.find(transfer->easy());
    if (it == active_.end() || it->second.transfer != transfer) continue;
    curl_multi_remove_handle(multi_.get(), it->first);
    ReleaseEasy(std::move(it->second.easy));
    active_.erase(it);
    Finished();
    transfer->Fail(absl::CancelledError("call cancelled by the caller"));
  }
}

void CurlIoLoop::RunDueTimer() {
  if (!timer_armed_ || Clock::now() < timer_due_) return;
  // Disarmed first: the action below may arm it again through OnTimer.
  timer_armed_ = false;
  int running = 0;
  curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
}

int CurlIoLoop::WaitTimeoutMs() const {
  int64_t ms = IdlePollTimeoutMs(options_);
  if (timer_armed_) {
    const auto left = timer_due_ - Clock::now();
    // Rounded up: waking a little early would only spin until it is due.
    const int64_t due_ms =
        (std::chrono::duration_cast<std::chrono::microseconds>(left).count() +
         999) /
        1000;
    ms = std::clamp<int64_t>(due_ms, 0, ms);
  }
  return static_cast<int>(ms);
}

int CurlIoLoop::OnSocket(CURL*, curl_socket_t socket, int what, void* self,
                         void*) {
  EventPoll& poll = static_cast<CurlIoLoop*>(self)->poll_;
  if (what == CURL_POLL_REMOVE) {
    poll.Unwatch(socket);
    return 0;
  }
  const bool readable = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
  const bool writable = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
  // -1 makes libcurl abort the transfer (CURLM_ABORTED_BY_CALLBACK) rather
  // than wait on a socket that nothing watches.
  return poll.Watch(socket, readable, writable).ok() ? 0 : -1;
}

int CurlIoLoop::OnSocketOpened(void* self, curl_socket_t socket,
                               curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    static_cast<CurlIoLoop*>(self)->poll_.MarkParkable(socket);
  }
  return CURL_SOCKOPT_OK;
}

int CurlIoLoop::OnSocketClosing(void* self, curl_socket_t socket) {
  static_cast<CurlIoLoop*>(self)->poll_.Closing(socket);
  return close(socket);
}

int CurlIoLoop::OnTimer(CURLM*, long timeout_ms, void* self) {
  auto* loop = static_cast<CurlIoLoop*>(self);
  loop->timer_armed_ = timeout_ms >= 0;
  if (loop->timer_armed_) {
    loop->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void CurlIoLoop::ReapFinished() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode result = msg->data.result;
    auto it = active_.find(easy);
    if (it == active_.end()) continue;
    Active active = std::move(it->second);
    active_.erase(it);
    curl_multi_remove_handle(multi_.get(), easy);
    Finished();
    // Complete before releasing the handle: it reads CURLINFO from it.
    active.transfer->Complete(result);
    ReleaseEasy(std::move(active.easy));
  }
}

void CurlIoLoop::Finished() {
  active_count_.fetch_sub(1, std::memory_order_relaxed);
}

CurlEasyPtr CurlIoLoop::AcquireEasy() {
  if (idle_easy_.empty()) return CurlEasyPtr(curl_easy_init());
  CurlEasyPtr easy = std::move(idle_easy_.back());
  idle_easy_.pop_back();
  return easy;
}

void CurlIoLoop::ReleaseEasy(CurlEasyPtr easy) {
  if (idle_easy_.size() >= kMaxIdleEasyHandles) return;  // freed here
  curl_easy_reset(easy.get());
  idle_easy_.push_back(std::move(easy));
}

}  // namespace lipsync::upstream

#include "service/upstream/curl_engine.h"

#include <algorithm>
#include <utility>

namespace lipsync::upstream {

CurlEngine::CurlEngine(const CurlEngineOptions& options)
    : options_(options), share_(nullptr) {
  // Reference-counted and thread-safe in libcurl ≥ 7.84.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  share_ = curl_share_init();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlEngine::Lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlEngine::Unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  // DNS and TLS sessions are safe to share across threads; the connection
  // pool is not (each I/O loop's multi handle keeps its own).
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  const int threads = std::max(1, options_.io_threads);
  for (int i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<CurlIoLoop>(options_, share_));
  }
}

CurlEngine::~CurlEngine() {
  loops_.clear();
  curl_share_cleanup(share_);
  curl_global_cleanup();
}

void CurlEngine::Send(HttpRequest request, std::shared_ptr<CallContext> call,
                      HttpCallback done) {
  CurlIoLoop* loop =
      loops_[next_loop_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]
          .get();
  auto transfer =
      std::make_shared<CurlTransfer>(std::move(request), call, std::move(done));
  std::weak_ptr<CurlTransfer> weak = transfer;
  // The hook is installed before the loop can see the transfer, so its token
  // is never written concurrently with completion.
  transfer->set_cancel_token(
      call->SetCancelHook([loop, weak] { loop->Cancel(weak); }));
  loop->Submit(std::move(transfer));
}

std::size_t CurlEngine::active_transfers() const {
  std::size_t total = 0;
  for (const auto& loop : loops_) total += loop->active_transfers();
  return total;
}

uint64_t CurlEngine::wakeups() const {
  uint64_t total = 0;
  for (const auto& loop : loops_) total += loop->wakeups();
  return total;
}

void CurlEngine::Lock(CURL*, curl_lock_data data, curl_lock_access,
                      void* self) {
  static_cast<CurlEngine*>(self)->share_locks_[data].lock();
}

void CurlEngine::Unlock(CURL*, curl_lock_data data, void* self) {
  static_cast<CurlEngine*>(self)->share_locks_[data].unlock();
}

}  // namespace lipsync::upstream

// The production HttpTransport: libcurl's multi interface on a small fixed set
// of I/O threads, sharing one DNS and TLS-session cache.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_H_

#include <curl/curl.h>

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "service/upstream/curl_engine_options.h"
#include "service/upstream/curl_handles.h"
#include "service/upstream/curl_io_loop.h"
#include "service/upstream/http_transport.h"

namespace lipsync::upstream {

class CurlEngine final : public HttpTransport {
 public:
  explicit CurlEngine(const CurlEngineOptions& options);
  // Stops the I/O threads (Stop), frees the loops, then libcurl's shared
  // caches.
  ~CurlEngine() override;

  // Stops and joins the I/O threads: transfers still in flight fail with
  // UNAVAILABLE, and so does every Send from then on. Idempotent. Call it
  // while you still hold the engine: completion callbacks run on the I/O
  // threads, and if one of them dropped the last reference, the engine would
  // be destroyed on the thread it has to join (std::terminate).
  void Stop();

  void Send(HttpRequest request, std::shared_ptr<CallContext> call,
            HttpCallback done) override;

  // Transfers in flight on all I/O threads, and on each (tests).
  std::size_t active_transfers() const;
  std::vector<std::size_t> active_transfers_per_loop() const;
  // Wakeups of the I/O threads by Send and cancellations so far (tests,
  // metrics); fewer than the calls when submissions are batched.
  uint64_t wakeups() const;
  // epoll_ctl calls of the I/O threads so far (tests, benchmarks): a
  // kept-alive connection costs none per call.
  uint64_t epoll_ctl_calls() const;

 private:
  CurlIoLoop* LeastBusyLoop() const;
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void Unlock(CURL*, curl_lock_data data, void* self);

  const CurlEngineOptions options_;
  // One mutex per kind of shared data, as libcurl's share interface expects.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks_;
  // Freed by the destructor, after the loops (their easy handles use it)
  // and before share_locks_ (cleanup may lock).
  CurlSharePtr share_;
  std::vector<std::unique_ptr<CurlIoLoop>> loops_;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_ENGINE_H_

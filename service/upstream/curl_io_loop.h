// One I/O thread driving a libcurl multi handle: all transfers assigned to it
// progress on that thread, so in-flight calls cost memory, not threads.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "service/upstream/curl_engine_options.h"
#include "service/upstream/curl_transfer.h"

namespace lipsync::upstream {

class CurlIoLoop {
 public:
  // `share` (DNS + TLS session cache) must outlive the loop.
  CurlIoLoop(const CurlEngineOptions& options, CURLSH* share);
  // Stops the thread; transfers still active complete with UNAVAILABLE.
  ~CurlIoLoop();
  CurlIoLoop(const CurlIoLoop&) = delete;
  CurlIoLoop& operator=(const CurlIoLoop&) = delete;

  // Thread-safe. Hands the transfer to the loop thread.
  void Submit(std::shared_ptr<CurlTransfer> transfer);
  // Thread-safe. Aborts the transfer if still active (CANCELLED).
  void Cancel(std::weak_ptr<CurlTransfer> transfer);

  // Transfers currently owned by this loop (for metrics and tests).
  std::size_t active_transfers() const;
  // curl_multi_wakeup calls made by Submit/Cancel so far (tests, metrics):
  // at most one per pass of the loop, however many submissions it batches.
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Wakes the loop thread unless it is awake or a wakeup is already pending.
  void WakeIfAsleep();
  // True when Submit/Cancel queued work the loop has not taken yet, or when
  // the loop must stop.
  bool HasQueuedWork() const;
  void StartPending();
  void ReapFinished();
  CURL* AcquireEasy();
  void ReleaseEasy(CURL* easy);

  const CurlEngineOptions options_;
  CURLSH* const share_;
  CURLM* const multi_;

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<CurlTransfer>> incoming_ ABSL_GUARDED_BY(mu_);
  std::vector<std::weak_ptr<CurlTransfer>> cancels_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::size_t active_count_ ABSL_GUARDED_BY(mu_) = 0;
  // False only while the loop thread is about to sleep, or sleeps, in
  // curl_multi_poll with no wakeup pending. Submit/Cancel flip it to true
  // and call curl_multi_wakeup only if it was false: one wakeup (one
  // socketpair write and read) per sleep, instead of one per call.
  std::atomic<bool> awake_{true};
  std::atomic<uint64_t> wakeups_{0};

  // Loop-thread only.
  absl::flat_hash_map<CURL*, std::shared_ptr<CurlTransfer>> active_;
  std::vector<CURL*> idle_easy_;

  std::thread thread_;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

// One I/O thread driving a libcurl multi handle: all transfers assigned to it
// progress on that thread, so in-flight calls cost memory, not threads.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

#include <curl/curl.h>

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

 private:
  void Run();
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

  // Loop-thread only.
  absl::flat_hash_map<CURL*, std::shared_ptr<CurlTransfer>> active_;
  std::vector<CURL*> idle_easy_;

  std::thread thread_;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

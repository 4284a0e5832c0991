// One I/O thread driving a libcurl multi handle: all transfers assigned to it
// progress on that thread, so in-flight calls cost memory, not threads.
// Event-driven (curl_multi_socket_action over epoll): a wake-up costs in
// proportion to the sockets that are ready, not to the connections held.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "service/upstream/curl_engine_options.h"
#include "service/upstream/curl_handles.h"
#include "service/upstream/curl_transfer.h"
#include "service/upstream/event_poll.h"

namespace lipsync::upstream {

class CurlIoLoop {
 public:
  // `share` (DNS + TLS session cache) must outlive the loop.
  CurlIoLoop(const CurlEngineOptions& options, CURLSH* share);
  // Stops the thread (Stop), then frees the idle easy handles and the multi
  // handle, in that order.
  ~CurlIoLoop();
  CurlIoLoop(const CurlIoLoop&) = delete;
  CurlIoLoop& operator=(const CurlIoLoop&) = delete;

  // Stops the thread and waits for it: transfers still active complete with
  // UNAVAILABLE on it, and so does any Submit from then on (inline).
  // Idempotent; call it from one thread at a time, never from the loop's own
  // thread (a completion callback): a thread cannot join itself.
  void Stop();

  // Thread-safe. Hands the transfer to the loop thread.
  void Submit(std::shared_ptr<CurlTransfer> transfer);
  // Thread-safe. Aborts the transfer if still active (CANCELLED).
  void Cancel(std::weak_ptr<CurlTransfer> transfer);

  // Transfers currently owned by this loop (for metrics and tests).
  std::size_t active_transfers() const;
  // epoll_ctl calls of the loop so far (tests, benchmarks).
  uint64_t epoll_ctl_calls() const { return poll_.epoll_ctl_calls(); }
  // Wake-ups of the loop thread by Submit/Cancel so far (tests, metrics): at
  // most one per sleep of the loop, however many submissions it batches.
  uint64_t wakeups() const { return wakeups_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Wakes the loop thread unless it is awake or a wakeup is already pending.
  void WakeIfAsleep();
  // True when Submit/Cancel queued work the loop has not taken yet, or when
  // the loop must stop.
  bool HasQueuedWork() const;
  void StartPending();
  // Lets libcurl act on its timer (new transfers, timeouts) when it is due.
  void RunDueTimer();
  // How long the loop may sleep: until libcurl's timer, at most the idle
  // poll bound.
  int WaitTimeoutMs() const;
  void ReapFinished();
  // Counts a transfer out of active_transfers(), before its completion runs
  // (so a completion, or whoever it wakes, already sees the lower count).
  void Finished();
  // CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION.
  static int OnSocket(CURL* easy, curl_socket_t socket, int what, void* self,
                      void* socket_data);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  // CURLOPT_SOCKOPTFUNCTION / CURLOPT_CLOSESOCKETFUNCTION, on every handle:
  // libcurl's connection sockets may stay parked in the epoll set between
  // transfers, because their closing goes through here.
  static int OnSocketOpened(void* self, curl_socket_t socket,
                            curlsocktype purpose);
  static int OnSocketClosing(void* self, curl_socket_t socket);
  // A reset handle from the idle ones, or a new one; null when libcurl
  // cannot allocate one.
  CurlEasyPtr AcquireEasy();
  // Keeps `easy` for reuse (reset), or frees it when enough are kept. It
  // must not be in the multi handle.
  void ReleaseEasy(CurlEasyPtr easy);

  // A transfer in the multi handle, and the easy handle it runs on. The
  // handle is declared last so that it is freed first, while the transfer
  // (whose header list it points to) still lives.
  struct Active {
    std::shared_ptr<CurlTransfer> transfer;
    CurlEasyPtr easy;
  };

  const CurlEngineOptions options_;
  CURLSH* const share_;
  // Freed by the destructor, after every easy handle and before poll_: its
  // connection cache closes sockets through OnSocketClosing, into poll_.
  CurlMultiPtr multi_;

  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<CurlTransfer>> incoming_ ABSL_GUARDED_BY(mu_);
  std::vector<std::weak_ptr<CurlTransfer>> cancels_ ABSL_GUARDED_BY(mu_);
  // Set under mu_, so a Submit that saw it false (under mu_) has queued its
  // transfer before the loop's final StartPending; read by the loop once per
  // pass without the mutex.
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> active_count_{0};
  // False only while the loop thread is about to sleep, or sleeps, in
  // epoll_wait with no wakeup pending. Submit/Cancel flip it to true and
  // write the eventfd only if it was false: one wakeup (one write and read)
  // per sleep, instead of one per call.
  std::atomic<bool> awake_{true};
  std::atomic<uint64_t> wakeups_{0};

  // Loop-thread only.
  EventPoll poll_;
  // Keyed by the easy handle's address (what curl_multi_info_read reports).
  absl::flat_hash_map<CURL*, Active> active_;
  std::vector<CurlEasyPtr> idle_easy_;
  // libcurl's timer: when it wants curl_multi_socket_action(TIMEOUT) next.
  bool timer_armed_ = false;
  std::chrono::steady_clock::time_point timer_due_;

  std::thread thread_;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_IO_LOOP_H_

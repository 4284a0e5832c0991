// lipsync-floor-server --forward_url: the I/O thread of the thinnest gateway
// we could build on gRPC 1.51 and libcurl 7.88. Calls handed to it from gRPC's
// threads are POSTed upstream (one fixed body) on one EpollCurlMulti and
// finished when the answer arrives: OK on HTTP 200, UNAVAILABLE otherwise.
// The gateway's shape (service/upstream/curl_io_loop.cc: a queue, an eventfd
// written only when the loop may be asleep, new transfers started in the
// pass that takes them, kept-alive connections, reused easy handles) without
// anything the gateway does per call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "bench/floor/epoll_curl_multi.h"
#include "service/upstream/curl_handles.h"

namespace lipsync::bench {

class Forwarder {
 public:
  // Starts the I/O thread.
  explicit Forwarder(const FloorPost* post);
  // Stops it once every call taken has been finished.
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // Any thread: forwards the call and finishes `reactor` with the outcome.
  void Take(grpc::ServerUnaryReactor* reactor);

  // Times the I/O thread was woken through the eventfd.
  uint64_t wakeups() const { return wakeups_.load(); }

 private:
  void Run();
  // Makes the I/O thread's epoll_wait return (the eventfd turns readable).
  void Wake();
  bool HasQueued();
  // I/O thread: starts a POST per queued call; false once stopping.
  bool StartQueued();
  void Finish(const EpollCurlMulti::Finished& done);

  const FloorPost* const post_;
  const int wake_fd_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // False while the I/O thread may sleep in epoll_wait: the next Take
  // writes the eventfd (the gateway's CurlIoLoop::WakeIfAsleep).
  std::atomic<bool> awake_{true};
  std::atomic<uint64_t> wakeups_{0};
  // I/O thread only.
  EpollCurlMulti curl_;
  // Every easy handle the loop made; those not in a transfer are also in
  // idle_easy_.
  std::vector<upstream::CurlEasyPtr> easy_handles_;
  std::vector<CURL*> idle_easy_;
  int in_flight_ = 0;
  std::thread thread_;
};

}  // namespace lipsync::bench

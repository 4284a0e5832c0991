// The I/O loop's readiness source: one epoll instance for the sockets that
// libcurl asks to watch, plus an eventfd that other threads use to wake the
// loop. Cost per wait scales with the sockets that are ready, not with the
// connections held (curl_multi_poll over every connection doubled the CPU
// per call at 1,000 calls in flight: ~436 against ~214 us).
#ifndef LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_
#define LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace lipsync::upstream {

class EventPoll {
 public:
  // One readiness report of Wait(): a socket and what it is ready for.
  struct Ready {
    int fd = -1;
    bool readable = false;
    bool writable = false;
    // Error or hang-up: the owner should let libcurl find out which.
    bool failed = false;
  };

  EventPoll();
  ~EventPoll();
  EventPoll(const EventPoll&) = delete;
  EventPoll& operator=(const EventPoll&) = delete;

  // False when the kernel refused an epoll or eventfd descriptor (then every
  // Wait returns at once, empty, and the owner must fail its work).
  bool ok() const { return epoll_fd_ >= 0 && wake_fd_ >= 0; }

  // `fd` was just created, and the owner will call Closing(fd) before it
  // closes it once connected (libcurl's connection sockets, whose close the
  // I/O loop intercepts). Unwatch may then leave the descriptor in the epoll
  // set ("parked") instead of removing it, so that a kept-alive connection
  // that libcurl stops watching between two transfers and watches again
  // costs no epoll_ctl (it did two per call). Forgets any record of an
  // earlier descriptor of that number.
  void MarkParkable(int fd);
  // Sets the interest in `fd` (adds it if new). Neither flag: Unwatch.
  // No system call when the interest is unchanged, parked or not.
  absl::Status Watch(int fd, bool readable, bool writable);
  // Nothing is reported for `fd` any more. A parkable descriptor watched
  // only for reading (an idle connection) is parked: it stays in the epoll
  // set, and if it turns ready while parked (the peer closed the idle
  // connection) Wait removes it then, without a report. Others are removed
  // at once, which must come before the descriptor is closed or the number
  // reused (libcurl's CURL_POLL_REMOVE usually does): a number reused while
  // still recorded would keep the old record and not be watched.
  void Unwatch(int fd);
  // `fd` is about to be closed: removes it from the set and forgets it
  // (parkable or not). Harmless for a descriptor never watched.
  void Closing(int fd);

  // epoll_ctl calls made so far (tests, benchmarks). Thread-safe.
  uint64_t epoll_ctl_calls() const {
    return epoll_ctl_calls_.load(std::memory_order_relaxed);
  }

  // Thread-safe: makes the current or next Wait return.
  void Wake() const;

  // Waits up to `timeout_ms` (-1: no bound) and returns the sockets that are
  // ready; a Wake() ends the wait (and is consumed) without a report.
  absl::Span<const Ready> Wait(int timeout_ms);

 private:
  static constexpr std::size_t kMaxEvents = 256;

  // Per descriptor number: the interest registered in the kernel
  // (kReadable | kWritable; 0: not in the set), whether it is parked (in the
  // set, nothing wanted) and whether it may be (MarkParkable). A change of
  // interest is one epoll_ctl; no change is none.
  static constexpr uint8_t kReadable = 1;
  static constexpr uint8_t kWritable = 2;
  static constexpr uint8_t kParked = 4;
  static constexpr uint8_t kParkable = 8;
  static constexpr uint8_t kInterest = kReadable | kWritable;
  uint8_t& StateOf(int fd);
  // Removes `fd` from the kernel's set and clears its interest and parking.
  void Remove(int fd, uint8_t& state);
  // epoll_ctl with the count kept (one writer: the owner's thread).
  int Control(int op, int fd, epoll_event* event);
  std::vector<uint8_t> state_;
  std::atomic<uint64_t> epoll_ctl_calls_{0};

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::array<epoll_event, kMaxEvents> events_{};
  std::array<Ready, kMaxEvents> ready_{};
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_

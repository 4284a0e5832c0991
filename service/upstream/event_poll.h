// The I/O loop's readiness source: one epoll instance for the sockets that
// libcurl asks to watch, plus an eventfd that other threads use to wake the
// loop. Cost per wait scales with the sockets that are ready, not with the
// connections held (poll(2) over every connection did not: PERFORMANCE.md,
// finding 3).
#ifndef LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_
#define LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_

#include <sys/epoll.h>

#include <array>
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

  // Sets the interest in `fd` (adds it if new). Neither flag: removes it.
  // No system call when the interest is unchanged.
  absl::Status Watch(int fd, bool readable, bool writable);
  // Forgets `fd`; harmless if it is not watched. Must come before the
  // descriptor is closed (libcurl's CURL_POLL_REMOVE does): a number closed
  // and reused unforgotten would keep the old record and not be watched.
  void Forget(int fd);

  // Thread-safe: makes the current or next Wait return.
  void Wake();

  // Waits up to `timeout_ms` (-1: no bound) and returns the sockets that are
  // ready; a Wake() ends the wait (and is consumed) without a report.
  absl::Span<const Ready> Wait(int timeout_ms);

 private:
  static constexpr std::size_t kMaxEvents = 256;

  // Interest registered per descriptor number (kReadable | kWritable; 0:
  // not watched), so that a change is one epoll_ctl and no change is none.
  static constexpr uint8_t kReadable = 1;
  static constexpr uint8_t kWritable = 2;
  std::vector<uint8_t> interest_;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::array<epoll_event, kMaxEvents> events_{};
  std::array<Ready, kMaxEvents> ready_{};
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_EVENT_POLL_H_

#include "service/upstream/event_poll.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace lipsync::upstream {

EventPoll::EventPoll()
    : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!ok()) return;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
    close(wake_fd_);
    wake_fd_ = -1;
  }
}

EventPoll::~EventPoll() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

absl::Status EventPoll::Watch(int fd, bool readable, bool writable) {
  if (!readable && !writable) {
    Forget(fd);
    return absl::OkStatus();
  }
  const uint8_t wanted =
      (readable ? kReadable : uint8_t{0}) | (writable ? kWritable : uint8_t{0});
  if (static_cast<std::size_t>(fd) >= interest_.size()) {
    interest_.resize(static_cast<std::size_t>(fd) + 1, 0);
  }
  uint8_t& registered = interest_[static_cast<std::size_t>(fd)];
  if (registered == wanted) return absl::OkStatus();
  epoll_event event{};
  // Level-triggered: libcurl reads and writes only as much as it wants per
  // call, so a socket must keep reporting while data is left.
  event.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  event.data.fd = fd;
  int done = epoll_ctl(
      epoll_fd_, registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
  // Defensive: the record and the kernel's set disagree (a descriptor closed
  // without Forget); make the kernel's set match what is wanted.
  if (done != 0 && errno == ENOENT) {
    done = epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  } else if (done != 0 && errno == EEXIST) {
    done = epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
  }
  if (done != 0) {
    registered = 0;
    return absl::InternalError(absl::StrCat("epoll_ctl on an upstream socket: ",
                                            std::strerror(errno)));
  }
  registered = wanted;
  return absl::OkStatus();
}

void EventPoll::Forget(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= interest_.size() ||
      interest_[static_cast<std::size_t>(fd)] == 0) {
    return;
  }
  interest_[static_cast<std::size_t>(fd)] = 0;
  // Fails harmlessly (EBADF/ENOENT) when the descriptor is already closed.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void EventPoll::Wake() {
  const uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: a wake is pending anyway.
  [[maybe_unused]] ssize_t written = write(wake_fd_, &one, sizeof(one));
}

absl::Span<const EventPoll::Ready> EventPoll::Wait(int timeout_ms) {
  if (!ok()) return {};
  const int n = epoll_wait(epoll_fd_, events_.data(),
                           static_cast<int>(events_.size()), timeout_ms);
  std::size_t count = 0;
  for (int i = 0; i < n; ++i) {
    const epoll_event& event = events_[i];
    if (event.data.fd == wake_fd_) {
      uint64_t drained = 0;
      [[maybe_unused]] ssize_t got = read(wake_fd_, &drained, sizeof(drained));
      continue;
    }
    Ready& ready = ready_[count++];
    ready.fd = event.data.fd;
    ready.readable = (event.events & EPOLLIN) != 0;
    ready.writable = (event.events & EPOLLOUT) != 0;
    ready.failed = (event.events & (EPOLLERR | EPOLLHUP)) != 0;
  }
  return absl::MakeConstSpan(ready_.data(), count);
}

}  // namespace lipsync::upstream

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

uint8_t& EventPoll::StateOf(int fd) {
  if (static_cast<std::size_t>(fd) >= state_.size()) {
    state_.resize(static_cast<std::size_t>(fd) + 1, 0);
  }
  return state_[static_cast<std::size_t>(fd)];
}

void EventPoll::MarkParkable(int fd) {
  // A socket just created is in no epoll set: whatever the record says was
  // left by an earlier descriptor of that number, closed behind our back.
  if (fd >= 0) StateOf(fd) = kParkable;
}

absl::Status EventPoll::Watch(int fd, bool readable, bool writable) {
  if (!readable && !writable) {
    Unwatch(fd);
    return absl::OkStatus();
  }
  const uint8_t wanted =
      (readable ? kReadable : uint8_t{0}) | (writable ? kWritable : uint8_t{0});
  uint8_t& state = StateOf(fd);
  const uint8_t registered = state & kInterest;
  state &= static_cast<uint8_t>(~kParked);
  if (registered == wanted) return absl::OkStatus();
  epoll_event event{};
  // Level-triggered: libcurl reads and writes only as much as it wants per
  // call, so a socket must keep reporting while data is left.
  event.events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
  event.data.fd = fd;
  int done =
      Control(registered == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
  // Defensive: the record and the kernel's set disagree (a descriptor closed
  // without Unwatch or Closing); make the kernel's set match what is wanted.
  if (done != 0 && errno == ENOENT) {
    done = Control(EPOLL_CTL_ADD, fd, &event);
  } else if (done != 0 && errno == EEXIST) {
    done = Control(EPOLL_CTL_MOD, fd, &event);
  }
  state &= static_cast<uint8_t>(~kInterest);
  if (done != 0) {
    return absl::InternalError(absl::StrCat("epoll_ctl on an upstream socket: ",
                                            std::strerror(errno)));
  }
  state |= wanted;
  return absl::OkStatus();
}

void EventPoll::Unwatch(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= state_.size()) return;
  uint8_t& state = state_[static_cast<std::size_t>(fd)];
  if ((state & kInterest) == 0) return;
  // Only an idle connection (watched for reading) is parked. libcurl 7.88
  // closes a socket that has not finished connecting (watched for writing)
  // with close(2) itself, not through CURLOPT_CLOSESOCKETFUNCTION (curl pull
  // request 11439, fixed in 8.2.0): its record must go now, or the next
  // socket of that number would be taken for registered and never watched.
  if ((state & kParkable) != 0 && (state & kInterest) == kReadable) {
    state |= kParked;
    return;
  }
  Remove(fd, state);
}

void EventPoll::Closing(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= state_.size()) return;
  uint8_t& state = state_[static_cast<std::size_t>(fd)];
  if ((state & kInterest) != 0) Remove(fd, state);
  state = 0;
}

void EventPoll::Remove(int fd, uint8_t& state) {
  state &= static_cast<uint8_t>(~(kInterest | kParked));
  // Fails harmlessly (EBADF/ENOENT) when the descriptor is already closed.
  Control(EPOLL_CTL_DEL, fd, nullptr);
}

int EventPoll::Control(int op, int fd, epoll_event* event) {
  epoll_ctl_calls_.store(epoll_ctl_calls_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
  return epoll_ctl(epoll_fd_, op, fd, event);
}

void EventPoll::Wake() const {
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
    uint8_t& state = StateOf(event.data.fd);
    if ((state & kParked) != 0) {
      // Nobody watches it: out of the set now, or level-triggered readiness
      // (an idle connection the peer closed) would end every wait at once.
      Remove(event.data.fd, state);
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

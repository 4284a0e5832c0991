#include "bench/floor/epoll_curl_multi.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace lipsync::bench {
namespace {

constexpr long kTransferTimeoutMs = 30000;
constexpr int kMaxEvents = 64;

}  // namespace

FloorPost::FloorPost(std::string url, std::string body,
                     const std::string& api_key)
    : url_(std::move(url)), body_(std::move(body)) {
  headers_ = curl_slist_append(
      headers_, absl::StrCat("Authorization: Bearer ", api_key).c_str());
  headers_ = curl_slist_append(headers_, "Content-Type: application/json");
  headers_ = curl_slist_append(headers_, "Accept: application/json");
  // The gateway's: no "Expect: 100-continue" stall on large POSTs.
  headers_ = curl_slist_append(headers_, "Expect:");
}

FloorPost::~FloorPost() { curl_slist_free_all(headers_); }

void FloorPost::Configure(CURL* easy, void* tag, char* error) const {
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, tag);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, kTransferTimeoutMs);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  if (error != nullptr) {
    error[0] = '\0';
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  }
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &FloorPost::DropAnswer);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body_.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body_.size()));
}

size_t FloorPost::DropAnswer(char*, size_t size, size_t n, void*) {
  return size * n;  // read and dropped: the status code is the check
}

EpollCurlMulti::EpollCurlMulti() {
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &EpollCurlMulti::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &EpollCurlMulti::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
}

EpollCurlMulti::~EpollCurlMulti() {
  curl_multi_cleanup(multi_);
  close(epoll_fd_);
}

void EpollCurlMulti::WatchForReading(int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  watched_fd_ = fd;
}

bool EpollCurlMulti::WaitAndAct() {
  epoll_event events[kMaxEvents];
  int running = 0;
  bool watched_ready = false;
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms_);
  if (n == 0) {
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == watched_fd_) {
      watched_ready = true;
      continue;
    }
    int mask = 0;
    if (events[i].events & (EPOLLIN | EPOLLHUP)) mask |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (events[i].events & EPOLLERR) mask |= CURL_CSELECT_ERR;
    curl_multi_socket_action(multi_, fd, mask, &running);
  }
  return watched_ready;
}

int EpollCurlMulti::OnSocket(CURL*, curl_socket_t fd, int what, void* self,
                             void* socket_data) {
  auto* loop = static_cast<EpollCurlMulti*>(self);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.fd = fd;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) event.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
    event.events |= EPOLLOUT;
  // A non-null socket_data marks a socket already in the epoll set.
  if (socket_data != nullptr) {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_MOD, fd, &event);
  } else {
    epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    curl_multi_assign(loop->multi_, fd, loop);
  }
  return 0;
}

int EpollCurlMulti::OnTimer(CURLM*, long timeout_ms, void* self) {
  static_cast<EpollCurlMulti*>(self)->timeout_ms_ =
      static_cast<int>(timeout_ms);
  return 0;
}

}  // namespace lipsync::bench

#include "bench/floor/epoll_curl_multi.h"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lipsync::bench {
namespace {

constexpr long kTransferTimeoutMs = 30000;
constexpr int kMaxEvents = 64;

}  // namespace

bool IsLoopbackHttpUrl(const std::string& url) {
  const upstream::CurlUrlPtr parsed(curl_url());
  if (parsed == nullptr ||
      curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return false;
  }
  char* scheme_text = nullptr;
  const CURLUcode got_scheme =
      curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme_text, 0);
  const upstream::CurlTextPtr scheme(scheme_text);
  char* host_text = nullptr;
  const CURLUcode got_host =
      curl_url_get(parsed.get(), CURLUPART_HOST, &host_text, 0);
  const upstream::CurlTextPtr host(host_text);
  if (got_scheme != CURLUE_OK || got_host != CURLUE_OK) return false;
  const std::string h = host.get();
  in_addr v4{};
  return std::string(scheme.get()) == "http" &&
         (h == "localhost" || h == "[::1]" ||
          (inet_pton(AF_INET, h.c_str(), &v4) == 1 &&
           (ntohl(v4.s_addr) >> 24) == 127));
}

FloorPost::FloorPost(std::string url, std::string body,
                     const std::string& api_key)
    : url_(std::move(url)), body_(std::move(body)) {
  const std::string authorization =
      absl::StrCat("Authorization: Bearer ", api_key);
  // An empty "Expect:", as the gateway sends: no 100-continue stall on
  // large POSTs.
  for (const char* header :
       {authorization.c_str(), "Content-Type: application/json",
        "Accept: application/json", "Expect:"}) {
    // Returns the list's head (the new node when the list was empty), or
    // null, leaving the list as it was, when out of memory.
    curl_slist* head = curl_slist_append(headers_.get(), header);
    if (head == nullptr) std::abort();
    if (headers_ == nullptr) headers_.reset(head);
  }
}

void FloorPost::Configure(CURL* easy, void* tag, char* error) const {
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_.get());
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

EpollCurlMulti::EpollCurlMulti() : multi_(curl_multi_init()) {
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION,
                    &EpollCurlMulti::OnSocket);
  curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION,
                    &EpollCurlMulti::OnTimer);
  curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
}

EpollCurlMulti::~EpollCurlMulti() {
  // libcurl's sockets close (and call OnSocket) before the epoll set goes.
  multi_.reset();
  close(epoll_fd_);
}

void EpollCurlMulti::WatchForReading(int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  watched_fd_ = fd;
}

bool EpollCurlMulti::WaitAndAct(bool look_only) {
  int wait_ms = -1;
  if (look_only) {
    wait_ms = 0;
  } else if (timer_armed_) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(timer_due_ - Clock::now());
    wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
  }
  epoll_event events[kMaxEvents];
  int running = 0;
  bool watched_ready = false;
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, wait_ms);
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
    curl_multi_socket_action(multi_.get(), fd, mask, &running);
  }
  ActOnDueTimer();
  return watched_ready;
}

void EpollCurlMulti::ActOnDueTimer() {
  if (!timer_armed_ || Clock::now() < timer_due_) return;
  // Disarmed first: the action below may arm it again through OnTimer.
  timer_armed_ = false;
  int running = 0;
  curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
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
  // A non-null socket_data marks a socket already in the epoll set. The
  // kernel's set can still disagree: a descriptor closed without a
  // CURL_POLL_REMOVE left it (close(2) drops it), and a new socket of that
  // number may come back with the old mark; or the mark is missing on a
  // descriptor the set holds. Either way the set is made to match.
  const bool marked = socket_data != nullptr;
  int done = epoll_ctl(loop->epoll_fd_, marked ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                       fd, &event);
  if (done != 0 && errno == ENOENT) {
    done = epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  } else if (done != 0 && errno == EEXIST) {
    done = epoll_ctl(loop->epoll_fd_, EPOLL_CTL_MOD, fd, &event);
  }
  // -1 makes libcurl fail the transfer rather than wait on a socket that
  // nothing watches.
  if (done != 0) return -1;
  if (!marked) curl_multi_assign(loop->multi_.get(), fd, loop);
  return 0;
}

int EpollCurlMulti::OnTimer(CURLM*, long timeout_ms, void* self) {
  auto* loop = static_cast<EpollCurlMulti*>(self);
  loop->timer_armed_ = timeout_ms >= 0;  // -1: no timer
  if (loop->timer_armed_) {
    loop->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

}  // namespace lipsync::bench

// The libcurl side of the floor programs (lipsync-floor-curl, and
// lipsync-floor-server --forward_url): one multi handle driven the efficient
// way, as the gateway drives its own (service/upstream/curl_io_loop.cc):
// curl_multi_socket_action over epoll, libcurl's sockets and timer registered
// through its callbacks. And the request they send: the gateway's headers and
// curl options for a POST whose body is in memory.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "service/upstream/curl_handles.h"

namespace lipsync::bench {

// True for http:// URLs whose host is 127.0.0.0/8, [::1] or localhost: the
// only targets the floor programs accept.
bool IsLoopbackHttpUrl(const std::string& url);

// A POST of one fixed body, set up on easy handles the way
// service/upstream/curl_transfer.cc sets up a small create (minus what a
// floor has no use for: no answer parsing, no deadline but a fixed timeout).
class FloorPost {
 public:
  FloorPost(std::string url, std::string body, const std::string& api_key);

  // Resets `easy` and sets it up to POST the body. `tag` becomes its
  // CURLOPT_PRIVATE; `error` (CURL_ERROR_SIZE bytes, or null) its error text.
  void Configure(CURL* easy, void* tag, char* error) const;

 private:
  static size_t DropAnswer(char*, size_t size, size_t n, void*);

  const std::string url_;
  const std::string body_;
  upstream::CurlSlistPtr headers_;
};

// One multi handle and one epoll set. Single-threaded: every call on the
// thread that runs the loop.
class EpollCurlMulti {
 public:
  EpollCurlMulti();
  ~EpollCurlMulti();
  EpollCurlMulti(const EpollCurlMulti&) = delete;
  EpollCurlMulti& operator=(const EpollCurlMulti&) = delete;

  CURLM* multi() const { return multi_.get(); }

  // Makes WaitAndAct also return for `fd` (say an eventfd) when it is
  // readable. At most one such descriptor.
  void WatchForReading(int fd);

  // Waits for a socket, libcurl's timer or the watched descriptor (or only
  // looks, when `look_only`), and lets libcurl act on what is ready and on
  // its timer if due. True when the watched descriptor was readable (the
  // caller reads it).
  bool WaitAndAct(bool look_only = false);

  // Lets libcurl act on its timer if it is due: call after adding
  // transfers (libcurl then asks to act at once), so they start in this
  // pass instead of after one more epoll_wait.
  //
  // A transfer can finish inside this call or inside WaitAndAct (on a
  // kept-alive connection to a fast upstream, a POST is sent and answered
  // within one action) and then leaves no socket to wait for: call
  // ForEachFinished after either, before the next WaitAndAct.
  void ActOnDueTimer();

  struct Finished {
    CURL* easy;
    CURLcode result;
    long http_status;
    long connects;  // new connections this transfer opened
  };
  // Removes each finished transfer from the multi handle and passes it to
  // `on_finished` (which may add new ones).
  template <typename F>
  void ForEachFinished(F on_finished) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Finished done{msg->easy_handle, msg->data.result, 0, 0};
      curl_easy_getinfo(done.easy, CURLINFO_RESPONSE_CODE, &done.http_status);
      curl_easy_getinfo(done.easy, CURLINFO_NUM_CONNECTS, &done.connects);
      curl_multi_remove_handle(multi_.get(), done.easy);
      on_finished(done);
    }
  }

 private:
  static int OnSocket(CURL*, curl_socket_t fd, int what, void* self,
                      void* socket_data);
  static int OnTimer(CURLM*, long timeout_ms, void* self);

  using Clock = std::chrono::steady_clock;

  upstream::CurlMultiPtr multi_;
  int epoll_fd_ = -1;
  bool timer_armed_ = false;  // libcurl's timer: act at timer_due_
  Clock::time_point timer_due_;
  int watched_fd_ = -1;
};

}  // namespace lipsync::bench

// lipsync-bench-upstream: a bench stand-in for the upstream's create endpoint
// (bench/run.sh S3), NOT the contract stand-in: that is kling-sim (sim/),
// which checks bodies, keeps tasks and injects faults. kling-sim serves a
// thread per connection and cpp-httplib 0.11 polls every idle kept-alive
// connection every 10 ms, so with 1,000 connections it spends milliseconds of
// CPU per call and S3 measured it rather than the gateway. This one is one
// epoll thread: a POST /v1/videos/advanced-lip-sync with the right Bearer key
// is answered 200 with kling-sim's create answer after --latency_ms. It never
// parses the JSON body. An idle connection costs nothing (no timer).
//
//   lipsync-bench-upstream --listen=127.0.0.1:0 --port_file=PATH
//       --api_key=sim-key --latency_ms=200 [--max_body_bytes=8000000]
//
// HTTP/1.1 keep-alive and pipelining; Content-Length bodies up to
// --max_body_bytes, 1 MiB by default (chunked: 400, larger: 413, then
// close). With a larger limit it takes S2's 6.7 MB creates without parsing
// them: the gateway's CPU per 5 MB call measured with a stand-in that does
// not compete for the cores (bench/README.md). IPv4 loopback only (else exit
// 2). SIGTERM/SIGINT: exit 0 after one JSON line of counts on stderr.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to serve on (IPv4 loopback only; port 0 picks one)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port to this file once listening");
ABSL_FLAG(std::string, api_key, "sim-key", "the Bearer token creates carry");
ABSL_FLAG(int, latency_ms, 200, "delay of every create answer, 0..60000");
ABSL_FLAG(std::size_t, max_body_bytes, 1 << 20,
          "largest request body taken (larger: 413, then close)");

namespace {

using Clock = std::chrono::steady_clock;

constexpr absl::string_view kCreatePath = "/v1/videos/advanced-lip-sync";
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr int kListenBacklog = 4096;
// Above kling-sim's random start (7..8 * 10^17), so ids never look alike.
constexpr uint64_t kTaskIdBase = 900000000000000000ULL;

// One answer, kept in request order on its connection until it is due.
struct Reply {
  Clock::time_point due;
  std::string bytes;
};

struct Connection {
  uint64_t key = 0;        // epoll key: serial << 32 | fd (see Key)
  uint32_t events = 0;     // the epoll interest set now
  bool closing = false;    // takes no more requests
  bool peer_done = false;  // the peer sent its FIN
  std::string in;
  std::string out;
  std::deque<Reply> replies;
  int fd() const { return static_cast<int>(key & 0xffffffffu); }
};

// A create answer due on connection `key`. The latency is fixed, so timers
// are appended in deadline order: a FIFO is the whole timer queue.
struct Timer {
  Clock::time_point due;
  uint64_t key;
};

// What this server reads of a request head.
struct Head {
  absl::string_view method;
  absl::string_view target;
  absl::string_view authorization;
  std::size_t content_length = 0;
  bool chunked = false;  // any Transfer-Encoding
  bool close = false;    // Connection: close
};

// Parses a request head (without its final blank line); false if malformed.
bool ParseHead(absl::string_view text, Head* head) {
  const std::vector<absl::string_view> lines = absl::StrSplit(text, "\r\n");
  const std::vector<absl::string_view> request_line =
      absl::StrSplit(lines[0], ' ');
  if (request_line.size() != 3 ||
      !absl::StartsWith(request_line[2], "HTTP/1.")) {
    return false;
  }
  head->method = request_line[0];
  head->target = request_line[1];
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos) return false;
    const absl::string_view name = lines[i].substr(0, colon);
    const absl::string_view value =
        absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
    if (absl::EqualsIgnoreCase(name, "authorization")) {
      head->authorization = value;
    } else if (absl::EqualsIgnoreCase(name, "content-length")) {
      if (!absl::SimpleAtoi(value, &head->content_length)) return false;
    } else if (absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      head->chunked = true;
    } else if (absl::EqualsIgnoreCase(name, "connection")) {
      head->close = absl::EqualsIgnoreCase(value, "close");
    }
  }
  return true;
}

// kling-sim's error shape; `message` holds nothing that needs escaping.
std::string ErrorBody(int code, absl::string_view message, uint64_t n) {
  return absl::StrCat(R"({"code":)", code, R"(,"message":")", message,
                      R"(","request_id":"bench-)", n, R"("})");
}

// kling-sim's create answer (sim/task_view.cc RenderCreatedTask), field for
// field, for a create without external_task_id.
std::string CreatedBody(uint64_t n) {
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  return absl::StrCat(
      R"({"code":0,"message":"SUCCEED","request_id":"bench-)", n,
      R"(","data":{"task_id":")", kTaskIdBase + n,
      R"(","task_status":"submitted","task_info":{},"created_at":)", now_ms,
      R"(,"updated_at":)", now_ms, "}}");
}

class BenchUpstream {
 public:
  BenchUpstream(int listen_fd, int signal_fd, std::string api_key,
                Clock::duration latency, std::size_t max_body_bytes)
      : listen_fd_(listen_fd),
        signal_fd_(signal_fd),
        epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
        api_key_(std::move(api_key)),
        latency_(latency),
        max_body_bytes_(max_body_bytes) {
    Watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
    Watch(signal_fd_, EPOLLIN, EPOLL_CTL_ADD);
  }

  // Serves until SIGTERM or SIGINT.
  void Run() {
    epoll_event events[256];
    for (;;) {
      const int n = epoll_wait(epoll_fd_, events, 256, TimeoutMs());
      for (int i = 0; i < n; ++i) {
        const uint64_t key = events[i].data.u64;
        if (key == Key(signal_fd_, 0)) return;
        if (key == Key(listen_fd_, 0)) {
          Accept();
        } else {
          OnEvent(key, events[i].events);
        }
      }
      FireTimers();
    }
  }

  std::string Counts() const {
    return absl::StrCat(R"({"tool":"bench-upstream","answered":)", answered_,
                        R"(,"created":)", created_, R"(,"connections":)",
                        serials_, "}");
  }

 private:
  // Keys carry a serial (listener and signalfd: 0), so that an event or a
  // timer for a closed connection never reaches a new one on the same fd.
  static uint64_t Key(int fd, uint32_t serial) {
    return (static_cast<uint64_t>(serial) << 32) | static_cast<uint32_t>(fd);
  }

  void Watch(int fd, uint32_t events, int op, uint64_t key = 0) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = key != 0 ? key : Key(fd, 0);
    epoll_ctl(epoll_fd_, op, fd, &event);
  }

  Connection* Find(uint64_t key) {
    const std::size_t fd = key & 0xffffffffu;
    Connection* c = fd < conns_.size() ? conns_[fd].get() : nullptr;
    return c != nullptr && c->key == key ? c : nullptr;
  }

  void Accept() {
    for (;;) {
      const int fd =
          accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
      if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
        // The listener would stay readable and spin: unwatched until a
        // connection closes.
        Watch(listen_fd_, 0, EPOLL_CTL_DEL);
        accept_paused_ = true;
      }
      if (fd < 0) return;
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Connection>();
      c->key = Key(fd, ++serials_);
      c->events = EPOLLIN;
      Watch(fd, EPOLLIN, EPOLL_CTL_ADD, c->key);
      if (static_cast<std::size_t>(fd) >= conns_.size()) conns_.resize(fd + 1);
      conns_[fd] = std::move(c);
    }
  }

  // Each handler below ends with the call that may close (and free) `c`.
  void OnEvent(uint64_t key, uint32_t events) {
    Connection* c = Find(key);
    if (c == nullptr) return;
    if (events & (EPOLLHUP | EPOLLERR)) return Close(*c);
    if (events & EPOLLOUT) Write(*c);
    if ((events & EPOLLIN) && (c = Find(key)) != nullptr) Read(*c);
  }

  // One recv per wakeup: level-triggered epoll calls again while more waits.
  void Read(Connection& c) {
    char buffer[64 * 1024];
    const ssize_t n = recv(c.fd(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) return Close(c);
    if (n == 0) {
      c.closing = c.peer_done = true;  // answer what it asked, then close
    } else {
      c.in.append(buffer, static_cast<std::size_t>(n));
      TakeRequests(c);
    }
    Flush(c);
  }

  // Answers every complete request at the front of c.in (pipelining); a
  // partial one stays for the next read.
  void TakeRequests(Connection& c) {
    std::size_t pos = 0;
    while (!c.closing) {
      const absl::string_view rest = absl::string_view(c.in).substr(pos);
      const std::size_t head_end = rest.find("\r\n\r\n");
      Head head;
      if (head_end == absl::string_view::npos) {
        if (rest.size() > kMaxHeadBytes) Refuse(c, 400, "head too large");
      } else if (!ParseHead(rest.substr(0, head_end), &head)) {
        Refuse(c, 400, "malformed request");
      } else if (head.chunked) {
        Refuse(c, 400, "chunked bodies are not supported");
      } else if (head.content_length > max_body_bytes_) {
        Refuse(c, 413, "body larger than --max_body_bytes");
      } else if (rest.size() >= head_end + 4 + head.content_length) {
        Answer(c, head);
        pos += head_end + 4 + head.content_length;
        continue;
      }
      break;  // refused, or the rest is still coming
    }
    c.in.erase(0, c.closing ? c.in.size() : pos);
  }

  // Queues the answer to one request; the body is never looked at.
  void Answer(Connection& c, const Head& head) {
    const uint64_t n = ++requests_;
    const Clock::time_point now = Clock::now();
    c.closing = head.close;
    const absl::string_view path = head.target.substr(0, head.target.find('?'));
    const absl::string_view auth = head.authorization;
    // As kling-sim: 1001 when the header is missing, 1002 when it is wrong.
    if (path != kCreatePath || head.method != "POST") {
      Queue(c, now, 404, ErrorBody(1202, "no such API", n));
    } else if (auth.empty()) {
      Queue(c, now, 401, ErrorBody(1001, "Authorization header is missing", n));
    } else if (!absl::StartsWithIgnoreCase(auth, "Bearer ") ||
               absl::StripLeadingAsciiWhitespace(auth.substr(7)) != api_key_) {
      Queue(c, now, 401, ErrorBody(1002, "token is invalid", n));
    } else {
      Queue(c, now + latency_, 200, CreatedBody(n));
      timers_.push_back({now + latency_, c.key});
      ++created_;
    }
  }

  void Refuse(Connection& c, int status, absl::string_view why) {
    c.closing = true;
    Queue(c, Clock::now(), status, ErrorBody(1200, why, ++requests_));
  }

  // Says "Connection: close" when it is the connection's last answer.
  static void Queue(Connection& c, Clock::time_point due, int status,
                    absl::string_view body) {
    const char* reason = status == 200   ? "OK"
                         : status == 401 ? "Unauthorized"
                         : status == 404 ? "Not Found"
                         : status == 413 ? "Payload Too Large"
                                         : "Bad Request";
    c.replies.push_back(
        {due,
         absl::StrCat("HTTP/1.1 ", status, " ", reason,
                      "\r\nContent-Type: application/json\r\n"
                      "Content-Length: ",
                      body.size(), c.closing ? "\r\nConnection: close" : "",
                      "\r\n\r\n", body)});
  }

  // Moves the due answers at the head of the queue to the output, in order:
  // one not yet due holds back the later ones.
  void Flush(Connection& c) {
    const Clock::time_point now = Clock::now();
    while (!c.replies.empty() && c.replies.front().due <= now) {
      c.out += c.replies.front().bytes;
      c.replies.pop_front();
      ++answered_;
    }
    Write(c);
  }

  void Write(Connection& c) {
    while (!c.out.empty()) {
      const ssize_t n = send(c.fd(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n < 0) return Close(c);
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    if (c.closing && c.out.empty() && c.replies.empty()) {
      if (c.peer_done) return Close(c);
      // Closing first: a close() with unread input (say the rest of a
      // refused 2 MB body) sends a RST that can destroy the answer in
      // flight. Send our FIN, read and drop until the peer's.
      shutdown(c.fd(), SHUT_WR);
    }
    // Reading stops at the peer's FIN: it would wake us forever.
    const uint32_t events =
        (c.peer_done ? 0u : EPOLLIN) | (c.out.empty() ? 0u : EPOLLOUT);
    if (events != c.events) {
      c.events = events;
      Watch(c.fd(), events, EPOLL_CTL_MOD, c.key);
    }
  }

  void Close(Connection& c) {
    const int fd = c.fd();
    close(fd);  // also leaves the epoll set
    conns_[fd].reset();
    if (accept_paused_) {
      accept_paused_ = false;
      Watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void FireTimers() {
    const Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.front().due <= now) {
      Connection* c = Find(timers_.front().key);
      timers_.pop_front();
      if (c != nullptr) Flush(*c);
    }
  }

  // Until the first answer is due, rounded up to whole milliseconds; -1: none.
  int TimeoutMs() const {
    if (timers_.empty()) return -1;
    const auto wait = timers_.front().due - Clock::now();
    if (wait <= Clock::duration::zero()) return 0;
    return static_cast<int>(
        std::chrono::ceil<std::chrono::milliseconds>(wait).count());
  }

  const int listen_fd_;
  const int signal_fd_;
  const int epoll_fd_;
  const std::string api_key_;
  const Clock::duration latency_;
  const std::size_t max_body_bytes_;
  std::vector<std::unique_ptr<Connection>> conns_;  // by fd
  std::deque<Timer> timers_;
  bool accept_paused_ = false;
  uint32_t serials_ = 0;  // connections accepted
  uint64_t requests_ = 0;
  uint64_t answered_ = 0;
  uint64_t created_ = 0;
};

// Binds `listen` ("127.x.y.z:port" or "localhost:port"); -1 if it is not
// IPv4 loopback (*bad_flag set) or cannot be bound.
int Listen(const std::string& listen, int* port, bool* bad_flag) {
  const std::size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  int wanted_port = 0;
  *bad_flag = colon == std::string::npos ||
              inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
              (ntohl(addr.sin_addr.s_addr) >> 24) != 127 ||
              !absl::SimpleAtoi(listen.substr(colon + 1), &wanted_port) ||
              wanted_port < 0 || wanted_port > 65535;
  if (*bad_flag) return -1;
  addr.sin_port = htons(static_cast<uint16_t>(wanted_port));
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t size = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, kListenBacklog) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// kling-sim's format (the port and a newline), renamed into place so that a
// reader never sees half a file.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  FILE* file = std::fopen(tmp.c_str(), "w");
  if (file == nullptr) return false;
  const bool written = std::fprintf(file, "%d\n", port) > 0;
  return std::fclose(file) == 0 && written &&
         std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int latency_ms = absl::GetFlag(FLAGS_latency_ms);
  if (latency_ms < 0 || latency_ms > 60000) {
    std::fprintf(stderr, "lipsync-bench-upstream: --latency_ms in 0..60000\n");
    return 2;
  }
  // Signals arrive as epoll events: the loop ends between two wakeups.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);

  int port = 0;
  bool bad_flag = false;
  const int listen_fd = Listen(absl::GetFlag(FLAGS_listen), &port, &bad_flag);
  if (listen_fd < 0) {
    std::fprintf(stderr, "lipsync-bench-upstream: %s --listen=%s\n",
                 bad_flag ? "refusing (IPv4 loopback only)" : "cannot bind",
                 absl::GetFlag(FLAGS_listen).c_str());
    return bad_flag ? 2 : 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, port)) {
    std::fprintf(stderr, "lipsync-bench-upstream: cannot write %s\n",
                 port_file.c_str());
    return 1;
  }
  std::fprintf(stderr, "lipsync-bench-upstream: listening on 127.0.0.1:%d\n",
               port);
  BenchUpstream server(listen_fd, signal_fd, absl::GetFlag(FLAGS_api_key),
                       std::chrono::milliseconds(latency_ms),
                       absl::GetFlag(FLAGS_max_body_bytes));
  server.Run();
  std::fprintf(stderr, "%s\n", server.Counts().c_str());
  return 0;
}

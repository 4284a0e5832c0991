// CurlEngine end to end against an in-process HTTP server on 127.0.0.1.
// No timed assertions: the I/O loops are given a one-hour idle poll, so a
// lost wakeup would hang a test (and fail it by ctest's timeout) instead of
// being hidden by the loop's periodic wake-up.
// The tests wait only through absl::Mutex and absl::CondVar (no Notification,
// no Mutex::Await), which is what tests/support/tsan_absl_mutex.cc makes
// visible to ThreadSanitizer, so this suite runs in the TSan stage.
#include "service/upstream/curl_engine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::upstream {
namespace {

// A one-shot event (absl::Notification built on Mutex + CondVar, see above).
class Latch {
 public:
  void Notify() {
    absl::MutexLock lock(&mu_);
    notified_ = true;
    cv_.SignalAll();
  }
  void Wait() {
    absl::MutexLock lock(&mu_);
    while (!notified_) cv_.Wait(&mu_);
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool notified_ = false;
};

// Counts completions; WaitFor blocks until `n` have been counted.
class Tally {
 public:
  void Count(bool ok) {
    absl::MutexLock lock(&mu_);
    ++finished_;
    if (ok) ++ok_;
    cv_.SignalAll();
  }
  void WaitFor(int n) {
    absl::MutexLock lock(&mu_);
    while (finished_ < n) cv_.Wait(&mu_);
  }
  int ok() {
    absl::MutexLock lock(&mu_);
    return ok_;
  }

 private:
  absl::Mutex mu_;
  absl::CondVar cv_;
  int finished_ = 0;
  int ok_ = 0;
};

// cpp-httplib 0.11 listens with a backlog of 5: a burst of connects would
// overflow it and wait out SYN retransmits (and the connect timeout).
// listen(2) again on the listening socket resizes the backlog.
class DeepBacklogServer : public httplib::Server {
 public:
  void DeepenBacklog() { ::listen(svr_sock_, 1024); }
};

class LocalServer {
 public:
  // cpp-httplib closes a connection after this many requests (its default).
  explicit LocalServer(int requests_per_connection = 5) {
    server_.Post("/echo",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Record(req);
                   res.set_content(req.body, "application/octet-stream");
                 });
    server_.Get(
        "/port", [this](const httplib::Request& req, httplib::Response& res) {
          Record(req);
          res.set_content(std::to_string(req.remote_port), "text/plain");
        });
    server_.Get("/redirect",
                [this](const httplib::Request& req, httplib::Response& res) {
                  Record(req);
                  res.status = 302;
                  res.set_header("Location", "/port");
                });
    server_.Get("/hold",
                [this](const httplib::Request& req, httplib::Response& res) {
                  Record(req);
                  {
                    absl::MutexLock lock(&mu_);
                    ++holding_;
                    holding_cv_.SignalAll();
                  }
                  release_.Wait();
                  res.set_content("late", "text/plain");
                });
    // A thread per connection: enough for every transfer of a test at once,
    // and idle kept-alive connections let go soon after the test.
    server_.new_task_queue = [] { return new httplib::ThreadPool(256); };
    server_.set_keep_alive_timeout(2);
    server_.set_keep_alive_max_count(requests_per_connection);
    port_ = server_.bind_to_any_port("127.0.0.1");
    server_.DeepenBacklog();
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the listen loop runs would leave it blocked in accept()
    // (a test that sends nothing ends at once).
    while (!server_.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~LocalServer() {
    release_.Notify();
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  bool saw_expect_header() const {
    absl::MutexLock lock(&mu_);
    return saw_expect_;
  }
  bool saw_chunked_body() const {
    absl::MutexLock lock(&mu_);
    return saw_chunked_;
  }
  // Blocks until `n` requests are held at /hold at once.
  void WaitUntilHolding(int n) {
    absl::MutexLock lock(&mu_);
    while (holding_ < n) holding_cv_.Wait(&mu_);
  }
  Latch& release() { return release_; }

 private:
  void Record(const httplib::Request& req) {
    absl::MutexLock lock(&mu_);
    ++requests_;
    if (req.has_header("Expect")) saw_expect_ = true;
    if (req.has_header("Transfer-Encoding")) saw_chunked_ = true;
  }

  DeepBacklogServer server_;
  int port_ = 0;
  std::thread thread_;
  mutable absl::Mutex mu_;
  int requests_ = 0;
  int holding_ = 0;
  bool saw_expect_ = false;
  bool saw_chunked_ = false;
  absl::CondVar holding_cv_;
  Latch release_;
};

CurlEngineOptions TestOptions(int io_threads) {
  CurlEngineOptions options;
  options.io_threads = io_threads;
  options.deadline_margin = absl::ZeroDuration();
  options.idle_poll_timeout = absl::Hours(1);
  return options;
}

std::shared_ptr<CallContext> Call() {
  return std::make_shared<CallContext>(absl::Now() + absl::Hours(1));
}

// One call's answer, filled in by the engine's callback (SendInto).
struct Outcome {
  Latch done;
  absl::StatusOr<HttpResponse> response;
};

void SendInto(CurlEngine& engine, HttpRequest request,
              std::shared_ptr<CallContext> call, Outcome& outcome) {
  engine.Send(std::move(request), std::move(call),
              [&outcome](absl::StatusOr<HttpResponse> r) {
                outcome.response = std::move(r);
                outcome.done.Notify();
              });
}

// Sends one request and waits for its outcome.
absl::StatusOr<HttpResponse> SendAndWait(CurlEngine& engine,
                                         HttpRequest request,
                                         std::shared_ptr<CallContext> call) {
  Outcome outcome;
  SendInto(engine, std::move(request), std::move(call), outcome);
  outcome.done.Wait();
  return outcome.response;
}

HttpRequest Post(const std::string& url, std::string body) {
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.url = url;
  request.headers = {"Content-Type: application/octet-stream"};
  request.body.AppendText(body);
  return request;
}

HttpRequest Get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

// Several threads submit at once, each waiting for its previous call, so
// that submissions keep racing with the loop going to sleep and waking up
// (the window a lost wakeup would hide in: with the one-hour idle poll, a
// lost one hangs this test).
TEST(CurlEngineTest, ConcurrentSendsFromManyThreadsAllComplete) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  absl::Mutex mu;
  int ok = 0;
  std::vector<std::string> failures;
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string body = "call-" + std::to_string(t * 1000 + i);
        auto r = SendAndWait(engine, Post(server.Url("/echo"), body), Call());
        absl::MutexLock lock(&mu);
        if (r.ok() && r->http_status == 200 && r->body == body) {
          ++ok;
        } else {
          failures.push_back(r.ok() ? std::to_string(r->http_status)
                                    : r.status().ToString());
        }
      }
    });
  }
  for (auto& s : senders) s.join();
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_THAT(failures, ::testing::IsEmpty());
  // At most one wakeup per submission; fewer when the loop was awake.
  EXPECT_LE(engine.wakeups(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_FALSE(server.saw_expect_header());
}

// Client ports (connections) that 5 calls, one after another, used. 5: the
// server closes a connection after 5 requests (cpp-httplib's keep-alive
// maximum).
std::set<std::string> ConnectionsOfSequentialCalls(int io_threads) {
  LocalServer server;
  CurlEngine engine(TestOptions(io_threads));
  std::set<std::string> client_ports;
  for (int i = 0; i < 5; ++i) {
    auto r = SendAndWait(engine, Get(server.Url("/port")), Call());
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) client_ports.insert(r->body);
  }
  return client_ports;
}

TEST(CurlEngineTest, SequentialCallsReuseOneConnection) {
  EXPECT_EQ(ConnectionsOfSequentialCalls(/*io_threads=*/1).size(), 1u)
      << "a new connection per call";
}

// One call at a time stays on the first loop (and its kept-alive
// connection), however many loops there are: no thread that slept through the
// previous call is woken for the next (round-robin would use 4 connections).
TEST(CurlEngineTest, SequentialCallsStayOnOneLoopAndConnection) {
  EXPECT_EQ(ConnectionsOfSequentialCalls(/*io_threads=*/4).size(), 1u)
      << "calls spread over idle loops";
}

// Between two calls on a kept-alive connection libcurl stops watching its
// socket and watches it again; parked in the epoll set, that costs no
// epoll_ctl (it cost an EPOLL_CTL_DEL and an EPOLL_CTL_ADD per call).
TEST(CurlEngineTest, CallsOnAKeptAliveConnectionMakeNoEpollCtl) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  std::set<std::string> client_ports;
  auto first = SendAndWait(engine, Get(server.Url("/port")), Call());
  ASSERT_TRUE(first.ok()) << first.status();
  client_ports.insert(first->body);
  const uint64_t after_first = engine.epoll_ctl_calls();
  EXPECT_GT(after_first, 0u) << "the new connection was never watched";
  // Three more: the server closes a connection after its fifth request.
  for (int i = 0; i < 3; ++i) {
    auto r = SendAndWait(engine, Get(server.Url("/port")), Call());
    ASSERT_TRUE(r.ok()) << r.status();
    client_ports.insert(r->body);
  }
  EXPECT_EQ(client_ports.size(), 1u) << "not one kept-alive connection";
  EXPECT_EQ(engine.epoll_ctl_calls(), after_first);
}

// Connections that the server closes after every answer (libcurl closes
// them through the loop's close hook): each next call opens a new connection,
// usually on the closed one's descriptor number, and the old socket's record
// must not keep the new one from being watched.
TEST(CurlEngineTest, ConnectionsTheServerClosesAreReplacedOnTheirNumbers) {
  LocalServer server(/*requests_per_connection=*/1);
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  std::set<std::string> client_ports;
  for (int i = 0; i < 20; ++i) {
    auto r = SendAndWait(engine, Post(server.Url("/echo"), "call"), Call());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body, "call");
    auto port = SendAndWait(engine, Get(server.Url("/port")), Call());
    ASSERT_TRUE(port.ok()) << port.status();
    client_ports.insert(port->body);
  }
  // 20 new connections (ports may repeat: the kernel picks them).
  EXPECT_GT(client_ports.size(), 1u) << "the connections were not replaced";
}

// A listener on 127.0.0.1 that never accepts, its backlog filled by a few
// connects of its own: the kernel drops further SYNs, so a connect to it stays
// pending (until the client gives up).
class UnansweredListener {
 public:
  UnansweredListener() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), size), 0);
    EXPECT_EQ(listen(listener_, 0), 0);
    EXPECT_EQ(
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size),
        0);
    port_ = ntohs(address.sin_port);
    for (int i = 0; i < 4; ++i) {
      const int filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(filler, reinterpret_cast<sockaddr*>(&address), size);
      fillers_.push_back(filler);
    }
  }
  ~UnansweredListener() {
    for (int fd : fillers_) close(fd);
    close(listener_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

// A call cancelled while its connect is pending: libcurl 7.88 closes that
// socket by itself, not through the loop's close hook (EventPollTest
// .ConnectingSocketClosedBehindOurBackLeavesNoRecord replays the sequence).
// The call ends CANCELLED, and the next call, whose socket usually gets the
// same number, is answered.
TEST(CurlEngineTest, CallCancelledWhileConnectingLeavesTheNextCallWatched) {
  LocalServer server;
  UnansweredListener unanswered;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  const uint64_t before = engine.epoll_ctl_calls();
  auto call = Call();
  Outcome cancelled;
  SendInto(engine, Get(unanswered.Url("/never")), call, cancelled);
  // The connect is pending once its socket is watched (for writing).
  while (engine.epoll_ctl_calls() == before) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  call->Cancel();
  cancelled.done.Wait();
  EXPECT_EQ(cancelled.response.status().code(), absl::StatusCode::kCancelled);
  // A bound, not a speed: the answer comes at once when the socket is
  // watched, and never when it is not.
  auto next = std::make_shared<CallContext>(absl::Now() + absl::Seconds(20));
  auto r = SendAndWait(engine, Get(server.Url("/port")), next);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->http_status, 200);
}

// Calls that overlap go to the loop with the fewest in flight.
TEST(CurlEngineTest, OverlappingCallsSpreadOverTheLoops) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/2));
  Tally tally;
  for (int i = 0; i < 5; ++i) {
    engine.Send(Get(server.Url("/hold")), Call(),
                [&](absl::StatusOr<HttpResponse> r) { tally.Count(r.ok()); });
  }
  server.WaitUntilHolding(5);
  EXPECT_THAT(engine.active_transfers_per_loop(), ::testing::ElementsAre(3, 2));
  server.release().Notify();
  tally.WaitFor(5);
  EXPECT_EQ(tally.ok(), 5);
}

TEST(CurlEngineTest, LargeBodyIsSentWithoutExpectContinue) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/2));
  std::string body(3 << 20, 'x');
  for (std::size_t i = 0; i < body.size(); i += 997) body[i] = 'y';
  auto r = SendAndWait(engine, Post(server.Url("/echo"), body), Call());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->http_status, 200);
  EXPECT_TRUE(r->body == body);
  EXPECT_FALSE(server.saw_expect_header());
}

// A large body (Base64 pulled by libcurl as it sends) arrives byte-exact, with
// a Content-Length (not chunked) and without Expect.
TEST(CurlEngineTest, StreamedBodyArrivesWhole) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/2));
  std::string raw(2 << 20, '\0');
  for (std::size_t i = 0; i < raw.size(); ++i)
    raw[i] = static_cast<char>(i * 7 + i / 251);
  HttpRequest request = Post(server.Url("/echo"), "");
  request.body.AppendText("{\"sound_file\":\"");
  request.body.AppendBase64Of(raw);
  request.body.AppendText("\"}");
  const std::string expected = request.body.ToString();
  auto r = SendAndWait(engine, std::move(request), Call());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->http_status, 200);
  EXPECT_TRUE(r->body == expected);
  EXPECT_FALSE(server.saw_expect_header());
  EXPECT_FALSE(server.saw_chunked_body());
}

TEST(CurlEngineTest, RedirectIsReturnedNotFollowed) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  auto r = SendAndWait(engine, Get(server.Url("/redirect")), Call());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->http_status, 302);
  EXPECT_EQ(server.requests(), 1);
}

TEST(CurlEngineTest, OnlyHttpAndHttpsAreSpoken) {
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  auto r = SendAndWait(engine, Get("ftp://127.0.0.1:1/file"), Call());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
  r = SendAndWait(engine, Get("file:///etc/hostname"), Call());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
}

TEST(CurlEngineTest, CancelAbortsATransferInFlight) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  auto call = Call();
  Outcome cancelled;
  SendInto(engine, Get(server.Url("/hold")), call, cancelled);
  server.WaitUntilHolding(1);  // the server has the request
  call->Cancel();
  cancelled.done.Wait();
  EXPECT_EQ(cancelled.response.status().code(), absl::StatusCode::kCancelled);
  server.release().Notify();
}

// What RunServer relies on at exit: completions may hold the engine (through
// the client chain). Stopping it while the owner still holds it ends them on
// the I/O thread, which lets go of its references there, and the engine is
// later destroyed on the owner's thread (never on the one it must join).
TEST(CurlEngineTest, StopEndsTransfersInFlightAndRefusesLaterSends) {
  LocalServer server;
  auto engine = std::make_shared<CurlEngine>(TestOptions(/*io_threads=*/1));
  Outcome held;
  engine->Send(Get(server.Url("/hold")), Call(),
               [&held, keep = engine](absl::StatusOr<HttpResponse> r) {
                 held.response = std::move(r);
                 held.done.Notify();
               });
  server.WaitUntilHolding(1);
  engine->Stop();
  held.done.Wait();  // already done: Stop joined the thread that ran it
  EXPECT_EQ(held.response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(engine.use_count(), 1) << "the completion kept the engine";

  auto later = SendAndWait(*engine, Get(server.Url("/port")), Call());
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(server.requests(), 1);
  engine->Stop();  // idempotent; the destructor stops again
  server.release().Notify();
}

TEST(CurlEngineTest, DeadlineThatLeftNoTimeFailsWithoutSending) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  auto r = SendAndWait(engine, Get(server.Url("/port")),
                       std::make_shared<CallContext>(absl::Now()));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server.requests(), 0);
}

TEST(CurlEngineTest, DeadlineBoundsATransferInFlight) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  // The server holds the answer until the test ends; libcurl's timer (not
  // the loop's idle poll) ends the transfer at the call's deadline.
  auto r = SendAndWait(
      engine, Get(server.Url("/hold")),
      std::make_shared<CallContext>(absl::Now() + absl::Milliseconds(300)));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  server.release().Notify();
}

// Many transfers in flight at once, each on its own connection: the loop
// watches every socket and completes every transfer once released.
TEST(CurlEngineTest, ManyTransfersOnTheirOwnConnectionsAllComplete) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/2));
  constexpr int kTransfers = 200;  // below the server's 256 threads
  Tally tally;
  for (int i = 0; i < kTransfers; ++i) {
    engine.Send(
        Get(server.Url("/hold")), Call(), [&](absl::StatusOr<HttpResponse> r) {
          tally.Count(r.ok() && r->http_status == 200 && r->body == "late");
        });
  }
  server.WaitUntilHolding(kTransfers);
  EXPECT_EQ(engine.active_transfers(), static_cast<std::size_t>(kTransfers));
  server.release().Notify();
  tally.WaitFor(kTransfers);
  EXPECT_EQ(tally.ok(), kTransfers);
  EXPECT_EQ(engine.active_transfers(), 0u);
}

// A small streamed body (a create without inline audio) is built and sent
// with the headers; it must arrive exactly as the streamed one would.
TEST(CurlEngineTest, SmallStreamedBodyArrivesWhole) {
  LocalServer server;
  CurlEngine engine(TestOptions(/*io_threads=*/1));
  HttpRequest request = Post(server.Url("/echo"), "");
  request.body.AppendText("{\"audio_id\":\"a-1\",\"raw\":\"");
  request.body.AppendBase64Of("small bytes");
  request.body.AppendText("\"}");
  const std::string expected = request.body.ToString();
  auto r = SendAndWait(engine, std::move(request), Call());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, expected);
  EXPECT_FALSE(server.saw_chunked_body());
}

TEST(ConnectionCacheSizeTest, FollowsTheInFlightBound) {
  CurlEngineOptions options;
  EXPECT_EQ(ConnectionCacheSize(options), 0) << "libcurl's own rule";
  options.io_threads = 2;
  options.max_in_flight_calls = 4096;
  EXPECT_EQ(ConnectionCacheSize(options), 2048);
  options.io_threads = 3;
  options.max_in_flight_calls = 1000;
  EXPECT_EQ(ConnectionCacheSize(options), 334);
  options.max_idle_connections = 16;
  EXPECT_EQ(ConnectionCacheSize(options), 16) << "an explicit size wins";
}

}  // namespace
}  // namespace lipsync::upstream

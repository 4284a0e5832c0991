// Graceful drain: SIGTERM during 50 in-flight slow creates loses none of
// them; health turns NOT_SERVING at once; the process exits 0, as soon as no
// call is in flight, whatever idle connections remain. And every test's
// gateway must stop that cleanly: the harness fails the test if not.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

TEST(DrainTest, SigtermDuringFiftySlowCreatesLosesNone) {
  GatewayHarness harness;
  HarnessOptions options;
  // The creates outlast the drain delay, so they are still in flight when
  // the server shuts down; the delay leaves a slow (sanitized, shared)
  // machine time to see NOT_SERVING before the listener closes.
  options.sim_args = {"--latency_ms=3000", "--threads=128"};
  options.gateway_args = {"--drain_delay=1s", "--shutdown_grace=10s"};
  ASSERT_TRUE(harness.Start(options).ok());

  constexpr int kCalls = 50;
  std::atomic<int> ok{0};
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      v1::LipSyncTask task;
      auto context = ContextWithTimeout(absl::Seconds(20));
      statuses[i] =
          harness.stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
      if (statuses[i].ok() && !task.task_id().empty()) ++ok;
    });
  }
  // Wait (bounded) until every create has reached the upstream.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (harness.SimRequests("/v1/videos/advanced-lip-sync").size() < kCalls &&
         absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  // EXPECT, not ASSERT: returning now would destroy joinable threads.
  EXPECT_EQ(harness.SimRequests("/v1/videos/advanced-lip-sync").size(),
            static_cast<size_t>(kCalls));

  harness.gateway().Signal(SIGTERM);
  // During the drain delay the gateway still answers, but says NOT_SERVING.
  auto health = grpc::health::v1::Health::NewStub(harness.channel());
  grpc::health::v1::HealthCheckResponse response;
  bool saw_not_serving = false;
  const absl::Time probe_until = absl::Now() + absl::Milliseconds(900);
  while (!saw_not_serving && absl::Now() < probe_until) {
    auto context = ContextWithTimeout(absl::Seconds(1));
    grpc::health::v1::HealthCheckRequest request;
    if (health->Check(context.get(), request, &response).ok() &&
        response.status() ==
            grpc::health::v1::HealthCheckResponse::NOT_SERVING) {
      saw_not_serving = true;
    }
  }
  EXPECT_TRUE(saw_not_serving);

  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), kCalls);
  for (const auto& s : statuses) EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(harness.gateway().Wait(absl::Seconds(15)), 0);
}

// A caller connection that never reads: it sends the HTTP/2 preface and its
// SETTINGS (and acknowledges the server's unread), takes the server's first
// frame, and then stays silent, so it never answers the PING that comes
// with a graceful GOAWAY. -1 when it cannot connect.
int SilentConnection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const std::string hello =
      std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
      std::string("\0\0\0\x04\0\0\0\0\0", 9) +   // SETTINGS
      std::string("\0\0\0\x04\x01\0\0\0\0", 9);  // SETTINGS ack
  char frame_header[9];
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address),
                sizeof(address)) != 0 ||
      ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(hello.size()) ||
      ::recv(fd, frame_header, sizeof(frame_header), MSG_WAITALL) !=
          static_cast<ssize_t>(sizeof(frame_header))) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Nothing in flight, two idle connections (the harness's channel after a
// call, and one that never reads): the drain ends at once instead of at the
// shutdown grace. gRPC's own shutdown would wait for each connection to
// close, which a client does only after answering the GOAWAY's PING: up to
// the 20 s graceful-GOAWAY timeout for the silent one, more than the bound
// here.
TEST(DrainTest, IdleConnectionsDoNotHoldTheDrain) {
  GatewayHarness harness;
  HarnessOptions options;
  options.gateway_args = {"--shutdown_grace=30s"};
  ASSERT_TRUE(harness.Start(options).ok());
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(10));
  ASSERT_TRUE(harness.stub()
                  .CreateLipSyncTask(context.get(), SeedRequest(), &task)
                  .ok());
  const int silent = SilentConnection(harness.gateway_port());
  ASSERT_GE(silent, 0) << "no connection to the gateway";

  harness.gateway().Signal(SIGTERM);
  EXPECT_EQ(harness.gateway().Wait(absl::Seconds(10)), 0)
      << "-1: still draining after 10 s with nothing in flight";
  ::close(silent);
}

// A crash (or a sanitizer's abort, or a leak report's exit 23) after the
// gateway served would otherwise pass unseen: nothing else reads the exit.
TEST(DrainTest, AGatewayThatDoesNotExitCleanlyFailsTheTestThatRanIt) {
  EXPECT_NONFATAL_FAILURE(
      {
        GatewayHarness harness;
        const absl::Status started = harness.Start();
        if (started.ok()) {
          harness.gateway().Signal(SIGKILL);
        } else {
          ADD_FAILURE() << "no gateway to kill: " << started;
        }
      },
      "the gateway did not stop cleanly");
}

}  // namespace
}  // namespace lipsync::testing

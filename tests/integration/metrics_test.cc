// The real gateway's Prometheus endpoint after real calls: calls by method
// and code, upstream exchanges by HTTP status and Kling code, retries,
// in-flight gauges back at zero, breaker state, build info.
#include <httplib.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

// The value of the first sample of `name` whose label set contains every
// `name="value"` pair of `labels`; -1 when there is none.
double Sample(const std::string& exposition, const std::string& name,
              const std::vector<std::string>& labels) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::StartsWith(line, name + "{") &&
        !absl::StartsWith(line, name + " ")) {
      continue;
    }
    bool all = true;
    for (const std::string& label : labels) {
      all = all && absl::StrContains(line, label);
    }
    if (!all) continue;
    double value = 0;
    const size_t space = line.rfind(' ');
    if (space != absl::string_view::npos &&
        absl::SimpleAtod(line.substr(space + 1), &value)) {
      return value;
    }
  }
  return -1;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HarnessOptions options;
    metrics_port_file_ = MakeTempDir("lipsync-metrics") + "/metrics.port";
    options.gateway_args = {"--metrics_listen=127.0.0.1:0",
                            "--metrics_port_file=" + metrics_port_file_};
    ASSERT_TRUE(harness_.Start(options).ok()) << harness_.gateway().ReadLog();
    absl::StatusOr<int> port = WaitForPortFile(
        metrics_port_file_, absl::Seconds(10), &harness_.gateway());
    ASSERT_TRUE(port.ok()) << port.status();
    metrics_port_ = *port;
  }

  std::string Scrape() {
    httplib::Client client("127.0.0.1", metrics_port_);
    client.set_read_timeout(10);
    auto res = client.Get("/metrics");
    if (!res || res->status != 200) return "";
    return res->body;
  }

  GatewayHarness harness_;
  std::string metrics_port_file_;
  int metrics_port_ = 0;
};

TEST_F(MetricsTest, CountsCallsUpstreamExchangesAndRetries) {
  // Before any call the series exist at zero (rate() works from the start).
  const std::string before = Scrape();
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(Sample(before, "grpc_server_handled_total",
                   {"grpc_method=\"CreateLipSyncTask\"", "grpc_code=\"OK\""}),
            0);
  EXPECT_EQ(Sample(before, "lipsync_build_info", {"version=\""}), 1);

  v1::LipSyncTask task;
  for (int i = 0; i < 2; ++i) {
    auto context = ContextWithTimeout(absl::Seconds(10));
    ASSERT_TRUE(harness_.stub()
                    .CreateLipSyncTask(context.get(), SeedRequest(), &task)
                    .ok());
  }
  auto invalid = ContextWithTimeout(absl::Seconds(10));
  EXPECT_EQ(harness_.stub()
                .CreateLipSyncTask(invalid.get(),
                                   v1::CreateLipSyncTaskRequest(), &task)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // One 503 then success: a retried read.
  harness_.AddSimFault({{"path_prefix", "/v1/videos/advanced-lip-sync/"},
                        {"method", "GET"},
                        {"fault", "error"},
                        {"http_status", 503},
                        {"code", 5001},
                        {"count", 1}});
  v1::GetLipSyncTaskRequest get;
  get.set_task_id(task.task_id());
  auto read = ContextWithTimeout(absl::Seconds(10));
  grpc::Status got = harness_.stub().GetLipSyncTask(read.get(), get, &task);
  ASSERT_TRUE(got.ok()) << got.error_message();

  const std::string after = Scrape();
  EXPECT_EQ(Sample(after, "grpc_server_handled_total",
                   {"grpc_method=\"CreateLipSyncTask\"", "grpc_code=\"OK\"",
                    "grpc_type=\"unary\""}),
            2);
  EXPECT_EQ(Sample(after, "grpc_server_handled_total",
                   {"grpc_method=\"CreateLipSyncTask\"",
                    "grpc_code=\"InvalidArgument\""}),
            1);
  EXPECT_EQ(Sample(after, "grpc_server_handling_seconds_count",
                   {"grpc_method=\"GetLipSyncTask\""}),
            1);
  EXPECT_EQ(Sample(after, "lipsync_upstream_requests_total",
                   {"operation=\"CreateLipSyncTask\"", "http_status=\"200\"",
                    "kling_code=\"0\""}),
            2);
  EXPECT_EQ(Sample(after, "lipsync_upstream_requests_total",
                   {"operation=\"GetLipSyncTask\"", "http_status=\"503\"",
                    "kling_code=\"5001\""}),
            1);
  EXPECT_EQ(Sample(after, "lipsync_upstream_retries_total",
                   {"operation=\"GetLipSyncTask\""}),
            1);
  EXPECT_EQ(Sample(after, "lipsync_circuit_breaker_state", {}), 0);
  // A call leaves the in-flight gauge in OnDone, just after the caller has
  // its answer: wait (bounded) for the gauges to settle.
  std::string settled = after;
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (Sample(settled, "lipsync_in_flight_calls", {}) != 0 &&
         absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
    settled = Scrape();
  }
  EXPECT_EQ(Sample(settled, "lipsync_in_flight_calls", {}), 0);
  EXPECT_EQ(Sample(settled, "lipsync_audio_bytes_in_flight", {}), 0);
}

}  // namespace
}  // namespace lipsync::testing

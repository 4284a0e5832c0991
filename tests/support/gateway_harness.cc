#include "tests/support/gateway_harness.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lipsync::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
// The harness's gateway drains with no delay and a 10 s grace (below), then
// LeakSanitizer's scan when sanitized: 20 s is a wide margin.
constexpr absl::Duration kStopTimeout = absl::Seconds(20);
constexpr size_t kLogLinesOnFailure = 40;
constexpr size_t kSanitizerReportLines = 100;

// The last `count` lines of `text`.
std::string LastLines(const std::string& text, size_t count) {
  size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;  // the final newline
  for (size_t lines = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++lines == count) break;
  }
  return text.substr(start);
}

// What of a log to show with a failure: a sanitizer's report from its first
// line (its head names the bug; a tail would cut it), else the last lines.
std::string LogExcerpt(const std::string& text) {
  size_t report = std::string::npos;
  for (const char* marker : {"Sanitizer:", "runtime error:"}) {
    report = std::min(report, text.find(marker));
  }
  if (report == std::string::npos) return LastLines(text, kLogLinesOnFailure);
  size_t start = text.rfind('\n', report);
  start = start == std::string::npos ? 0 : start + 1;
  size_t end = start;
  for (size_t lines = 0;
       end != std::string::npos && lines < kSanitizerReportLines; ++lines) {
    end = text.find('\n', end + 1);
  }
  return text.substr(start, end == std::string::npos ? end : end - start);
}

void PrintLogExcerpt(const char* name, Subprocess* process) {
  if (process == nullptr) return;
  std::cerr << "[ harness  ] the " << name << "'s log:\n"
            << LogExcerpt(process->ReadLog()) << "\n";
}

// Whether the running test failed; in TearDownTestSuite (a gateway that a
// suite's tests share), whether any of them or the suite's own checks did.
bool TestOrSuiteFailed() {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  if (unit.current_test_info() == nullptr &&
      unit.current_test_suite() != nullptr) {
    return unit.current_test_suite()->Failed();
  }
  return ::testing::Test::HasFailure();
}

// "Suite.Test", or "Suite" for a gateway its tests share: gtest's brief
// output names no test for a suite-level failure.
std::string TestOrSuiteName() {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  if (const ::testing::TestInfo* test = unit.current_test_info()) {
    return absl::StrCat(test->test_suite_name(), ".", test->name());
  }
  if (const ::testing::TestSuite* suite = unit.current_test_suite()) {
    return absl::StrCat(suite->name(), " (its shared gateway)");
  }
  return "(no test)";
}

httplib::Client SimClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  return client;
}

}  // namespace

GatewayHarness::~GatewayHarness() {
  // The harness's connection closes with its channel, before the gateway
  // is told to stop (the drain does not wait for idle connections).
  stub_.reset();
  channel_.reset();
  // A gateway that served must also stop cleanly: a crash, a sanitizer's
  // report (a sanitized gateway aborts on its first one, or exits 23 on a
  // leak) or a drain that hangs fails the test that ran it, with the log.
  if (serving_) {
    const int code = StopGateway(kStopTimeout);
    if (code == -1) gateway_->Signal(SIGKILL);  // ~Subprocess reaps it
    EXPECT_EQ(code, 0) << TestOrSuiteName()
                       << ": the gateway did not stop cleanly (its exit code; "
                          "128+N: killed by signal N; -1: still running after "
                       << kStopTimeout << ")";
  }
  if (TestOrSuiteFailed()) {
    std::cerr << "[ harness  ] " << TestOrSuiteName() << " failed; logs in "
              << dir_ << "\n";
    PrintLogExcerpt("gateway", gateway_.get());
    PrintLogExcerpt("sim", sim_.get());
  }
  gateway_.reset();
  sim_.reset();
}

absl::Status GatewayHarness::Start(const HarnessOptions& options) {
  dir_ = MakeTempDir("lipsync-it");
  std::string upstream = options.upstream_base_url;
  if (options.start_sim) {
    const std::string port_file = dir_ + "/sim.port";
    std::vector<std::string> argv = {KLING_SIM_BIN, "--listen=127.0.0.1:0",
                                     "--port_file=" + port_file,
                                     absl::StrCat("--api_key=", kSimApiKey)};
    argv.insert(argv.end(), options.sim_args.begin(), options.sim_args.end());
    sim_ = std::make_unique<Subprocess>(
        argv, std::map<std::string, std::string>{}, dir_ + "/sim.log");
    absl::StatusOr<int> port =
        WaitForPortFile(port_file, kStartTimeout, sim_.get());
    if (!port.ok()) return port.status();
    sim_port_ = *port;
    if (upstream.empty())
      upstream = absl::StrCat("http://127.0.0.1:", sim_port_);
  }
  const std::string port_file = dir_ + "/gateway.port";
  std::vector<std::string> argv = {
      LIPSYNC_GATEWAY_BIN,         "--listen=127.0.0.1:0",
      "--port_file=" + port_file,  "--upstream_base_url=" + upstream,
      "--allow_insecure_upstream", "--drain_delay=0s",
      "--shutdown_grace=10s",      "--log_level=debug"};
  if (options.plaintext) argv.push_back("--plaintext");
  argv.insert(argv.end(), options.gateway_args.begin(),
              options.gateway_args.end());
  std::map<std::string, std::string> env = {{"KLING_API_KEY", kSimApiKey}};
  for (const auto& [k, v] : options.gateway_env) env[k] = v;
  gateway_ = std::make_unique<Subprocess>(argv, env, dir_ + "/gateway.log");
  absl::StatusOr<int> port =
      WaitForPortFile(port_file, kStartTimeout, gateway_.get());
  if (!port.ok()) return port.status();
  gateway_port_ = *port;

  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(8 * 1024 * 1024);
  args.SetMaxReceiveMessageSize(8 * 1024 * 1024);
  channel_ =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", gateway_port_),
                                options.channel_credentials != nullptr
                                    ? options.channel_credentials
                                    : grpc::InsecureChannelCredentials(),
                                args);
  if (!channel_->WaitForConnected(
          absl::ToChronoTime(absl::Now() + kStartTimeout))) {
    return absl::UnavailableError("gateway channel did not connect");
  }
  stub_ = kling::lipsync::v1::LipSyncService::NewStub(channel_);
  serving_ = true;
  return absl::OkStatus();
}

int GatewayHarness::StopGateway(absl::Duration timeout) {
  gateway_->Signal(SIGTERM);
  return gateway_->Wait(timeout);
}

void GatewayHarness::KillGateway() {
  gateway_->Signal(SIGKILL);
  gateway_->Wait(kStopTimeout);
  serving_ = false;
}

nlohmann::json GatewayHarness::SimRequests(const std::string& path_prefix) {
  httplib::Client client = SimClient(sim_port_);
  std::string path = "/_sim/requests";
  if (!path_prefix.empty()) path += "?path_prefix=" + path_prefix;
  auto res = client.Get(path);
  if (!res || res->status != 200) return nlohmann::json::array();
  return nlohmann::json::parse(res->body, nullptr, false);
}

void GatewayHarness::ClearSimRequests() {
  httplib::Client client = SimClient(sim_port_);
  client.Delete("/_sim/requests");
}

void GatewayHarness::AddSimFault(const nlohmann::json& fault) {
  httplib::Client client = SimClient(sim_port_);
  client.Post("/_sim/faults", fault.dump(), "application/json");
}

std::unique_ptr<grpc::ClientContext> ContextWithTimeout(
    absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

}  // namespace lipsync::testing

#include "tests/support/gateway_harness.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lipsync::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(20);
// Above the gateway's --shutdown_grace=10s below.
constexpr absl::Duration kStopTimeout = absl::Seconds(20);
constexpr size_t kLogLinesOnFailure = 40;

// The last `count` lines of `text`.
std::string LastLines(const std::string& text, size_t count) {
  size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;  // the final newline
  for (size_t lines = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++lines == count) break;
  }
  return text.substr(start);
}

void PrintLogTail(const char* name, Subprocess* process) {
  if (process == nullptr) return;
  std::cerr << "[ harness  ] the end of the " << name << "'s log:\n"
            << LastLines(process->ReadLog(), kLogLinesOnFailure) << "\n";
}

httplib::Client SimClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  return client;
}

}  // namespace

GatewayHarness::~GatewayHarness() {
  // An idle C++ client only notices the server's GOAWAY at its 5 s backup
  // poll, which would hold the gateway's shutdown: drop the channel first.
  stub_.reset();
  channel_.reset();
  // A gateway that served must also stop cleanly: a crash, a sanitizer's
  // report (a sanitized gateway aborts on its first one, or exits 23 on a
  // leak) or a drain that hangs fails the test that ran it, with the log.
  if (serving_) {
    gateway_->Signal(SIGTERM);
    EXPECT_EQ(gateway_->Wait(kStopTimeout), 0)
        << "the gateway did not stop cleanly (its exit code; 128+N: killed "
           "by signal N; -1: still running after "
        << kStopTimeout << ")";
  }
  if (::testing::Test::HasFailure()) {
    PrintLogTail("gateway", gateway_.get());
    PrintLogTail("sim", sim_.get());
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
      "--allow_insecure_upstream", "--shutdown_grace=10s",
      "--log_level=debug"};
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

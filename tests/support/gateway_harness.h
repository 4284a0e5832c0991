// Starts the real kling-sim and lipsync-gateway binaries on free loopback
// ports and gives tests the generated stub plus the sim's control endpoints.
#ifndef LIPSYNC_TESTS_SUPPORT_GATEWAY_HARNESS_H_
#define LIPSYNC_TESTS_SUPPORT_GATEWAY_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/subprocess.h"

namespace lipsync::testing {

inline constexpr char kSimApiKey[] = "test-key-7f3a9c";

struct HarnessOptions {
  bool start_sim = true;
  std::vector<std::string> sim_args;
  std::vector<std::string> gateway_args;
  std::map<std::string, std::string> gateway_env;
  // When set, the gateway's upstream (instead of the sim).
  std::string upstream_base_url;
  // Passes --plaintext; turn off to give the gateway TLS files instead.
  bool plaintext = true;
  // How the harness's channel connects; null: insecure (plaintext).
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials;
};

class GatewayHarness {
 public:
  GatewayHarness() = default;
  // Stops the gateway (SIGTERM) and the sim. A gateway that served and then
  // does not exit 0 fails the current test (or, for a gateway a suite's
  // tests share, the suite); a failed test or suite gets excerpts of the
  // gateway's and the sim's logs on stderr.
  ~GatewayHarness();

  absl::Status Start(const HarnessOptions& options = {});
  // Stops the gateway (SIGTERM) and returns its exit code.
  int StopGateway(absl::Duration timeout = absl::Seconds(30));
  // SIGKILLs the gateway (a replica that dies) and reaps it; the harness
  // then expects no clean exit. The sim keeps running.
  void KillGateway();

  kling::lipsync::v1::LipSyncService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int gateway_port() const { return gateway_port_; }
  int sim_port() const { return sim_port_; }
  Subprocess& gateway() { return *gateway_; }
  const std::string& dir() const { return dir_; }

  // The sim's record of API requests (optionally only under `path_prefix`).
  nlohmann::json SimRequests(const std::string& path_prefix = "");
  void ClearSimRequests();
  // Queues a fault at the sim (see sim/README.md).
  void AddSimFault(const nlohmann::json& fault);

 private:
  std::string dir_;
  // Start() reached a connected channel: the gateway must stop cleanly.
  bool serving_ = false;
  int sim_port_ = 0;
  int gateway_port_ = 0;
  std::unique_ptr<Subprocess> sim_;
  std::unique_ptr<Subprocess> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<kling::lipsync::v1::LipSyncService::Stub> stub_;
};

// A client context with a deadline `timeout` from now.
std::unique_ptr<grpc::ClientContext> ContextWithTimeout(absl::Duration timeout);

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_GATEWAY_HARNESS_H_

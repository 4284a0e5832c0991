// MakeChannel with TLS against an in-process fake gateway using the test PKI
// in testdata/: server verification, mutual TLS, and the bearer token as
// call credentials (sent once, not also per call).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "client/lipsync_client.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/client/fake_lipsync_service.h"

#ifndef LIPSYNC_CLIENT_TESTDATA
#error "LIPSYNC_CLIENT_TESTDATA must name tests/client/testdata"
#endif

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::client::testing::FakeLipSyncService;
using ::lipsync::client::testing::FakeServer;

std::string TestData(const std::string& name) {
  return std::string(LIPSYNC_CLIENT_TESTDATA) + "/" + name;
}

std::string Slurp(const std::string& name) {
  std::ifstream in(TestData(name));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ServerCredentials> ServerTls(bool require_client_cert) {
  grpc::SslServerCredentialsOptions options(
      require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = Slurp("ca.pem");
  options.pem_key_cert_pairs.push_back(
      {Slurp("server.key"), Slurp("server.pem")});
  return grpc::SslServerCredentials(options);
}

class TlsTest : public ::testing::Test {
 protected:
  void Start(bool require_client_cert) {
    service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                      v1::LipSyncTask* task) {
      task->set_task_id("tls");
      return grpc::Status::OK;
    };
    server_ =
        std::make_unique<FakeServer>(&service_, ServerTls(require_client_cert));
  }

  ChannelOptions Options() const {
    ChannelOptions options;
    options.target = server_->target();
    options.use_tls = true;
    options.ca_cert_file = TestData("ca.pem");
    return options;
  }

  absl::Status Get(const ChannelOptions& options) {
    auto client = MakeLipSyncClient(options, absl::Seconds(10));
    if (!client.ok()) return client.status();
    return (*client)->GetLipSyncTask(v1::GetLipSyncTaskRequest()).status();
  }

  FakeLipSyncService service_;
  std::unique_ptr<FakeServer> server_;
};

TEST_F(TlsTest, TokenTravelsOnceAsCallCredentials) {
  Start(/*require_client_cert=*/false);
  ChannelOptions options = Options();
  options.bearer_token = "tls-token";
  const absl::Status status = Get(options);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(service_.LastAuthorization(), "Bearer tls-token");
}

TEST_F(TlsTest, UntrustedServerIsRefused) {
  Start(/*require_client_cert=*/false);
  ChannelOptions options = Options();
  options.ca_cert_file.clear();  // The system roots do not know the test CA.
  EXPECT_EQ(Get(options).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Calls("GetLipSyncTask"), 0);
}

TEST_F(TlsTest, MutualTlsWithTheClientCertificate) {
  Start(/*require_client_cert=*/true);
  ChannelOptions options = Options();
  options.client_cert_file = TestData("client.pem");
  options.client_key_file = TestData("client.key");
  const absl::Status status = Get(options);
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(TlsTest, MutualTlsWithoutTheClientCertificateFails) {
  Start(/*require_client_cert=*/true);
  EXPECT_EQ(Get(Options()).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Calls("GetLipSyncTask"), 0);
}

}  // namespace
}  // namespace lipsync::client

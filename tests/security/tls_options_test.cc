// MakeServerCredentials: the configuration rules, and real TLS / mTLS
// handshakes on loopback with a PKI made at test time.
#include "service/security/tls_options.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "tests/security/temp_dir.h"
#include "tests/security/test_pki.h"
#include "tests/translate/status_testing.h"

namespace lipsync::security {
namespace {

using ::lipsync::translate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::MakeTestPki;
using testing_util::ReadFileOrEmpty;
using testing_util::TempDir;
using testing_util::TestPki;

// A server answering the built-in health service, on 127.0.0.1:0.
class HealthServer {
 public:
  explicit HealthServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    // gRPC 1.51 serves the default health service on the callback API only
    // when the server has a callback service; otherwise it wants a polled
    // completion queue.
    builder.RegisterService(&unimplemented_);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() {
    if (server_) server_->Shutdown();
  }
  bool started() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  kling::lipsync::v1::LipSyncService::CallbackService unimplemented_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

grpc::Status Check(const std::string& address,
                   std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  // The server certificate names localhost; we dial the IP to stay on IPv4.
  args.SetSslTargetNameOverride("localhost");
  auto channel = grpc::CreateCustomChannel(address, credentials, args);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response);
}

std::shared_ptr<grpc::ChannelCredentials> TlsClient(
    const std::string& ca_file, const std::string& cert_file = "",
    const std::string& key_file = "") {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadFileOrEmpty(ca_file);
  if (!cert_file.empty()) {
    options.pem_cert_chain = ReadFileOrEmpty(cert_file);
    options.pem_private_key = ReadFileOrEmpty(key_file);
  }
  return grpc::SslCredentials(options);
}

class TlsOptionsTest : public ::testing::Test {
 protected:
  // One PKI for the suite: openssl takes about half a second per PKI.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    pki_ = new TestPki(MakeTestPki(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  static std::shared_ptr<grpc::ServerCredentials> MustMake(
      const TlsFiles& files) {
    auto credentials =
        MakeServerCredentials(files, /*plaintext_allowed=*/false);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return credentials.ok() ? *credentials : nullptr;
  }

  static TempDir* dir_;
  static TestPki* pki_;
};
TempDir* TlsOptionsTest::dir_ = nullptr;
TestPki* TlsOptionsTest::pki_ = nullptr;

TEST(MakeServerCredentialsTest, RefusesPlaintextUnlessAllowed) {
  auto credentials = MakeServerCredentials(TlsFiles{}, false);
  EXPECT_THAT(credentials, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(credentials.status().message(),
            "TLS cert/key not configured; pass --plaintext to serve without "
            "TLS");
}

TEST(MakeServerCredentialsTest, ServesPlaintextWhenAllowed) {
  auto credentials = MakeServerCredentials(TlsFiles{}, true);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  HealthServer server(*credentials);
  ASSERT_TRUE(server.started());
  EXPECT_TRUE(Check(server.address(), grpc::InsecureChannelCredentials()).ok());
}

TEST_F(TlsOptionsTest, RefusesHalfAConfiguration) {
  for (const TlsFiles& files :
       {TlsFiles{pki_->server_cert, "", ""}, TlsFiles{"", pki_->server_key, ""},
        TlsFiles{"", "", pki_->ca_pem}}) {
    // Even with plaintext allowed: a half TLS setup is a mistake, not a
    // request for plaintext.
    EXPECT_THAT(MakeServerCredentials(files, true),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_F(TlsOptionsTest, NamesAMissingFile) {
  const std::string missing = dir_->File("missing.pem");
  for (const TlsFiles& files :
       {TlsFiles{missing, pki_->server_key, ""},
        TlsFiles{pki_->server_cert, missing, ""},
        TlsFiles{pki_->server_cert, pki_->server_key, missing}}) {
    auto credentials = MakeServerCredentials(files, false);
    EXPECT_THAT(credentials, StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(credentials.status().message(), HasSubstr(missing));
  }
}

TEST_F(TlsOptionsTest, RefusesFilesThatAreNotPem) {
  const std::string junk = dir_->Write("junk.pem", "not a certificate\n");
  auto bad_cert = MakeServerCredentials({junk, pki_->server_key, ""}, false);
  EXPECT_THAT(bad_cert, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad_cert.status().message(), HasSubstr(junk));

  auto bad_key = MakeServerCredentials({pki_->server_cert, junk, ""}, false);
  EXPECT_THAT(bad_key, StatusIs(absl::StatusCode::kInvalidArgument));

  auto bad_ca =
      MakeServerCredentials({pki_->server_cert, pki_->server_key, junk}, false);
  EXPECT_THAT(bad_ca, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bad_ca.status().message(), HasSubstr(junk));
}

TEST_F(TlsOptionsTest, RefusesAKeyOfAnotherCertificateWithoutQuotingIt) {
  auto credentials =
      MakeServerCredentials({pki_->server_cert, pki_->client_key, ""}, false);
  EXPECT_THAT(credentials, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(credentials.status().message(), HasSubstr("does not belong"));
  EXPECT_THAT(credentials.status().message(), Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(TlsOptionsTest, TlsClientTrustingTheCaConnects) {
  HealthServer server(MustMake({pki_->server_cert, pki_->server_key, ""}));
  ASSERT_TRUE(server.started());
  grpc::Status status = Check(server.address(), TlsClient(pki_->ca_pem));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsOptionsTest, PlaintextClientCannotTalkToTls) {
  HealthServer server(MustMake({pki_->server_cert, pki_->server_key, ""}));
  ASSERT_TRUE(server.started());
  EXPECT_EQ(
      Check(server.address(), grpc::InsecureChannelCredentials()).error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsOptionsTest, ClientRejectsAServerItsCaDidNotSign) {
  HealthServer server(MustMake({pki_->server_cert, pki_->server_key, ""}));
  ASSERT_TRUE(server.started());
  EXPECT_EQ(Check(server.address(), TlsClient(dir_->File("rogue_ca.pem")))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsOptionsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  HealthServer server(
      MustMake({pki_->server_cert, pki_->server_key, pki_->ca_pem}));
  ASSERT_TRUE(server.started());

  EXPECT_EQ(Check(server.address(), TlsClient(pki_->ca_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(
      Check(server.address(), TlsClient(pki_->ca_pem, pki_->rogue_client_cert,
                                        pki_->rogue_client_key))
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
  grpc::Status status =
      Check(server.address(),
            TlsClient(pki_->ca_pem, pki_->client_cert, pki_->client_key));
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace lipsync::security

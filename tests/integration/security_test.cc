// The production edge of the real gateway binary: TLS and mutual TLS on the
// gRPC port, caller bearer tokens (and their SIGHUP reload), upstream JWT
// credentials, the plaintext health listener, the startup configuration
// check, and that no secret ever reaches the gateway's log.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/security/test_pki.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;
using security::testing_util::MakeTestPki;
using security::testing_util::ReadFileOrEmpty;
using security::testing_util::TestPki;

// Secrets of these tests: each is looked for in the gateway's log.
constexpr char kAliceToken[] = "alice-token-5d1e0c7a9b";
constexpr char kBobToken[] = "bob-token-71f2a8e3c4d6";
constexpr char kWrongToken[] = "wrong-token-000000000000";
constexpr char kAccessKey[] = "AK-test-2b7c9e";
constexpr char kSecretKey[] = "SK-secret-e4a91f0d77";

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

std::unique_ptr<grpc::ClientContext> TokenContext(const std::string& token) {
  auto context = ContextWithTimeout(absl::Seconds(10));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return context;
}

grpc::Status CreateWith(GatewayHarness& harness, const std::string& token) {
  v1::LipSyncTask task;
  auto context = TokenContext(token);
  return harness.stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         grpc::health::v1::HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto context = ContextWithTimeout(absl::Seconds(5));
  return stub->Check(context.get(), {}, response);
}

std::shared_ptr<grpc::Channel> TlsChannel(int port, const TestPki& pki,
                                          bool with_client_cert,
                                          bool rogue = false) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(pki.ca_pem);
  if (with_client_cert) {
    ssl.pem_cert_chain =
        ReadFileOrEmpty(rogue ? pki.rogue_client_cert : pki.client_cert);
    ssl.pem_private_key =
        ReadFileOrEmpty(rogue ? pki.rogue_client_key : pki.client_key);
  }
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::SslCredentials(ssl));
}

// The JSON log line of the gateway with this "msg", or null.
nlohmann::json FindLogLine(const std::string& log, const std::string& msg) {
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("msg", "") == msg) return json;
  }
  return nullptr;
}

// Harness options for a gateway serving TLS with the PKI's server
// certificate (plus `extra_args`), and a harness channel that trusts the
// PKI's CA, presenting the PKI's client certificate when asked to.
HarnessOptions TlsHarnessOptions(const TestPki& pki,
                                 std::vector<std::string> extra_args,
                                 bool with_client_cert = false) {
  HarnessOptions options;
  options.plaintext = false;
  options.gateway_args = {"--tls_cert_file=" + pki.server_cert,
                          "--tls_key_file=" + pki.server_key};
  options.gateway_args.insert(options.gateway_args.end(), extra_args.begin(),
                              extra_args.end());
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(pki.ca_pem);
  if (with_client_cert) {
    ssl.pem_cert_chain = ReadFileOrEmpty(pki.client_cert);
    ssl.pem_private_key = ReadFileOrEmpty(pki.client_key);
  }
  options.channel_credentials = grpc::SslCredentials(ssl);
  return options;
}

TEST(TlsTest, TlsListenerServesTlsCallersAndRefusesPlaintext) {
  const std::string dir = MakeTempDir("lipsync-tls");
  const TestPki pki = MakeTestPki(dir);
  GatewayHarness harness;
  ASSERT_TRUE(harness.Start(TlsHarnessOptions(pki, {})).ok())
      << harness.gateway().ReadLog();

  EXPECT_TRUE(CreateWith(harness, "").ok());
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(HealthCheck(harness.channel(), &health).ok());

  auto plaintext =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", harness.gateway_port()),
                          grpc::InsecureChannelCredentials());
  EXPECT_EQ(HealthCheck(plaintext, &health).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(FindLogLine(harness.gateway().ReadLog(), "serving")["transport"],
            "tls");
}

TEST(TlsTest, MutualTlsAdmitsOnlyCertificatesOfTheClientCa) {
  const std::string dir = MakeTempDir("lipsync-mtls");
  const TestPki pki = MakeTestPki(dir);
  GatewayHarness harness;
  ASSERT_TRUE(
      harness
          .Start(TlsHarnessOptions(pki, {"--tls_client_ca_file=" + pki.ca_pem},
                                   /*with_client_cert=*/true))
          .ok())
      << harness.gateway().ReadLog();

  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(HealthCheck(harness.channel(), &health).ok());
  const int port = harness.gateway_port();
  EXPECT_FALSE(
      HealthCheck(TlsChannel(port, pki, /*with_client_cert=*/false), &health)
          .ok());
  EXPECT_FALSE(
      HealthCheck(TlsChannel(port, pki, true, /*rogue=*/true), &health).ok());
  EXPECT_EQ(FindLogLine(harness.gateway().ReadLog(), "serving")["transport"],
            "mtls");
}

TEST(TlsTest, PlaintextHealthListenerBesideTheTlsPortDrainsWithIt) {
  const std::string dir = MakeTempDir("lipsync-health");
  const TestPki pki = MakeTestPki(dir);
  GatewayHarness harness;
  ASSERT_TRUE(harness
                  .Start(TlsHarnessOptions(
                      pki, {"--health_listen=127.0.0.1:0", "--drain_delay=2s"}))
                  .ok())
      << harness.gateway().ReadLog();
  const nlohmann::json serving =
      FindLogLine(harness.gateway().ReadLog(), "serving");
  ASSERT_TRUE(serving.contains("health_port")) << serving.dump();
  auto probe = grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", serving["health_port"].get<std::string>()),
      grpc::InsecureChannelCredentials());

  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(HealthCheck(probe, &health).ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  // The probe port serves nothing but health.
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(5));
  EXPECT_EQ(v1::LipSyncService::NewStub(probe)
                ->CreateLipSyncTask(context.get(), SeedRequest(), &task)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  harness.gateway().Signal(SIGTERM);
  bool not_serving = false;
  const absl::Time until = absl::Now() + absl::Milliseconds(1500);
  while (!not_serving && absl::Now() < until) {
    not_serving =
        HealthCheck(probe, &health).ok() &&
        health.status() == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
    if (!not_serving) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(not_serving);
  EXPECT_EQ(harness.gateway().Wait(absl::Seconds(20)), 0);
}

class CallerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_file_ = MakeTempDir("lipsync-auth") + "/tokens";
    WriteFile(tokens_file_,
              absl::StrCat("# callers\nalice:", kAliceToken, "\n"));
    HarnessOptions options;
    options.gateway_args = {"--auth_tokens_file=" + tokens_file_};
    ASSERT_TRUE(harness_.Start(options).ok()) << harness_.gateway().ReadLog();
  }

  std::string tokens_file_;
  GatewayHarness harness_;
};

TEST_F(CallerAuthTest, MissingOrWrongTokenIsUnauthenticatedAndSendsNothing) {
  harness_.ClearSimRequests();
  for (const std::string& token : {std::string(), std::string(kWrongToken)}) {
    grpc::Status status = CreateWith(harness_, token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "token '" << token << "': " << status.error_message();
    v1::LipSyncTask task;
    v1::GetLipSyncTaskRequest get;
    get.set_task_id("123");
    auto context = TokenContext(token);
    EXPECT_EQ(
        harness_.stub().GetLipSyncTask(context.get(), get, &task).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  // An invalid request without a token learns nothing about its fields.
  v1::LipSyncTask task;
  auto context = TokenContext("");
  EXPECT_EQ(harness_.stub()
                .CreateLipSyncTask(context.get(),
                                   v1::CreateLipSyncTaskRequest(), &task)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(harness_.SimRequests("/v1/").size(), 0u);
}

TEST_F(CallerAuthTest, WatchWithoutTokenIsUnauthenticated) {
  auto context = TokenContext("");
  v1::WatchLipSyncTaskRequest request;
  request.set_task_id("123");
  auto reader = harness_.stub().WatchLipSyncTask(context.get(), request);
  v1::LipSyncTask task;
  EXPECT_FALSE(reader->Read(&task));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CallerAuthTest, ValidTokenIsServedAndLoggedByIdentity) {
  EXPECT_TRUE(CreateWith(harness_, kAliceToken).ok());
  bool logged = false;
  for (absl::string_view line :
       absl::StrSplit(harness_.gateway().ReadLog(), '\n')) {
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("method", "") == "CreateLipSyncTask" &&
        json.value("code", "") == "OK") {
      EXPECT_EQ(json.value("caller", ""), "alice");
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
}

// The caller's identity comes from its token alone: the metadata key in
// which the gateway's interceptor hands it to the handlers is stripped from
// what a client sends.
constexpr char kIdentityKey[] = "lipsync-authenticated-caller";

// The gateway's OK access lines of `method`.
std::vector<nlohmann::json> OkRpcLines(const std::string& log,
                                       const std::string& method) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("msg", "") == "rpc" &&
        json.value("method", "") == method && json.value("code", "") == "OK") {
      lines.push_back(std::move(json));
    }
  }
  return lines;
}

TEST_F(CallerAuthTest, InjectedIdentityHeaderIsIgnored) {
  harness_.ClearSimRequests();
  v1::LipSyncTask task;
  auto unauthenticated = TokenContext("");
  unauthenticated->AddMetadata(kIdentityKey, "alice");
  EXPECT_EQ(harness_.stub()
                .CreateLipSyncTask(unauthenticated.get(), SeedRequest(), &task)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  auto watch_context = TokenContext(kWrongToken);
  watch_context->AddMetadata(kIdentityKey, "alice");
  v1::WatchLipSyncTaskRequest watch;
  watch.set_task_id("123");
  auto reader = harness_.stub().WatchLipSyncTask(watch_context.get(), watch);
  EXPECT_FALSE(reader->Read(&task));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(harness_.SimRequests("/v1/").size(), 0u);

  auto impersonating = TokenContext(kAliceToken);
  impersonating->AddMetadata(kIdentityKey, "mallory");
  grpc::Status status = harness_.stub().CreateLipSyncTask(impersonating.get(),
                                                          SeedRequest(), &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string log = harness_.gateway().ReadLog();
  const std::vector<nlohmann::json> lines =
      OkRpcLines(log, "CreateLipSyncTask");
  ASSERT_EQ(lines.size(), 1u) << log;
  EXPECT_EQ(lines[0].value("caller", ""), "alice");
  EXPECT_FALSE(absl::StrContains(log, "mallory")) << log;
}

TEST(CallerAuthOffTest, InjectedIdentityHeaderIsNotLogged) {
  GatewayHarness harness;
  ASSERT_TRUE(harness.Start(HarnessOptions{}).ok())
      << harness.gateway().ReadLog();
  auto context = ContextWithTimeout(absl::Seconds(10));
  context->AddMetadata(kIdentityKey, "mallory");
  v1::LipSyncTask task;
  grpc::Status status =
      harness.stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string log = harness.gateway().ReadLog();
  const std::vector<nlohmann::json> lines =
      OkRpcLines(log, "CreateLipSyncTask");
  ASSERT_EQ(lines.size(), 1u) << log;
  EXPECT_FALSE(lines[0].contains("caller")) << lines[0].dump();
  EXPECT_FALSE(absl::StrContains(log, "mallory")) << log;
}

TEST_F(CallerAuthTest, HealthAndReflectionStayOpen) {
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(HealthCheck(harness_.channel(), &health).ok());

  auto reflection =
      grpc::reflection::v1alpha::ServerReflection::NewStub(harness_.channel());
  auto context = ContextWithTimeout(absl::Seconds(5));
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_GT(response.list_services_response().service_size(), 0);
}

TEST_F(CallerAuthTest, SighupReloadsTokensAndABadFileKeepsTheOldSet) {
  WriteFile(tokens_file_, absl::StrCat("bob:", kBobToken, "\n"));
  harness_.gateway().Signal(SIGHUP);
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (!CreateWith(harness_, kBobToken).ok() && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(CreateWith(harness_, kBobToken).ok());
  EXPECT_EQ(CreateWith(harness_, kAliceToken).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  // A broken edit (a token too short) is refused; bob keeps working.
  WriteFile(tokens_file_, "carol:tiny-Zq9\n");
  harness_.gateway().Signal(SIGHUP);
  const absl::Time logged_until = absl::Now() + absl::Seconds(10);
  while (FindLogLine(harness_.gateway().ReadLog(),
                     "caller tokens not reloaded; old set kept")
             .is_null() &&
         absl::Now() < logged_until) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(CreateWith(harness_, kBobToken).ok());
  EXPECT_EQ(harness_.gateway().ReadLog().find("tiny-Zq9"), std::string::npos)
      << "the reload error quotes the file's content";
}

TEST(UpstreamJwtTest, AccessAndSecretKeyModeMintsTokensTheUpstreamAccepts) {
  const std::string dir = MakeTempDir("lipsync-jwt");
  WriteFile(dir + "/access-key", absl::StrCat(kAccessKey, "\n"));
  WriteFile(dir + "/secret-key", absl::StrCat(kSecretKey, "\n"));
  GatewayHarness harness;
  HarnessOptions options;
  // The sim accepts only the JWT (its static key is one the gateway lacks).
  options.sim_args = {"--api_key=a-key-the-gateway-does-not-have",
                      absl::StrCat("--access_key=", kAccessKey),
                      absl::StrCat("--secret_key=", kSecretKey)};
  options.gateway_env = {{"KLING_API_KEY", ""}};
  options.gateway_args = {"--access_key_file=" + dir + "/access-key",
                          "--secret_key_file=" + dir + "/secret-key"};
  ASSERT_TRUE(harness.Start(options).ok()) << harness.gateway().ReadLog();
  grpc::Status status = CreateWith(harness, "");
  EXPECT_TRUE(status.ok()) << status.error_message();
  const std::string log = harness.gateway().ReadLog();
  EXPECT_EQ(log.find(kSecretKey), std::string::npos);
}

TEST(UpstreamJwtTest, WrongSecretKeyIsRefusedByTheUpstream) {
  const std::string dir = MakeTempDir("lipsync-jwt");
  WriteFile(dir + "/access-key", kAccessKey);
  WriteFile(dir + "/secret-key", "not-the-secret-key-1234");
  GatewayHarness harness;
  HarnessOptions options;
  options.sim_args = {"--api_key=a-key-the-gateway-does-not-have",
                      absl::StrCat("--access_key=", kAccessKey),
                      absl::StrCat("--secret_key=", kSecretKey)};
  options.gateway_env = {{"KLING_API_KEY", ""}};
  options.gateway_args = {"--access_key_file=" + dir + "/access-key",
                          "--secret_key_file=" + dir + "/secret-key"};
  ASSERT_TRUE(harness.Start(options).ok()) << harness.gateway().ReadLog();
  EXPECT_FALSE(CreateWith(harness, "").ok());
}

// Starts the gateway binary alone with `args` and `env`; returns its exit
// code (it must exit by itself) and its output in *log.
int RunGatewayToExit(std::vector<std::string> args,
                     std::map<std::string, std::string> env, std::string* log) {
  const std::string dir = MakeTempDir("lipsync-config");
  args.insert(args.begin(), LIPSYNC_GATEWAY_BIN);
  Subprocess gateway(args, env, dir + "/gateway.log");
  const int code = gateway.Wait(absl::Seconds(20));
  *log = gateway.ReadLog();
  return code;
}

TEST(StartupConfigTest, EveryBadSettingIsNamedInOneMessage) {
  const std::string dir = MakeTempDir("lipsync-config");
  WriteFile(dir + "/tokens", "alice:too-short-tok\n");
  std::string log;
  const int code = RunGatewayToExit(
      {"--listen=127.0.0.1:0", "--io_threads=0", "--max_timeout=1s",
       "--auth_tokens_file=" + dir + "/tokens",
       "--tls_cert_file=" + dir + "/missing.crt",
       "--upstream_base_url=ftp://example.com"},
      {{"KLING_API_KEY", "k-1234567890"}}, &log);
  EXPECT_EQ(code, 2) << log;
  for (const char* named :
       {"--io_threads", "--max_timeout", "--auth_tokens_file",
        "--tls_cert_file", "--upstream_base_url"}) {
    EXPECT_TRUE(absl::StrContains(log, named)) << named << " in: " << log;
  }
  EXPECT_FALSE(absl::StrContains(log, "too-short-tok")) << log;
  EXPECT_FALSE(absl::StrContains(log, "k-1234567890")) << log;
}

TEST(StartupConfigTest, NoTlsFilesAndNoPlaintextRefusesToStart) {
  std::string log;
  const int code = RunGatewayToExit({"--listen=127.0.0.1:0"},
                                    {{"KLING_API_KEY", "k-1234567890"}}, &log);
  EXPECT_EQ(code, 2) << log;
  EXPECT_TRUE(absl::StrContains(log, "--plaintext")) << log;
}

TEST(StartupConfigTest, ApiKeyAndJwtPairTogetherAreRefused) {
  std::string log;
  const int code = RunGatewayToExit({"--listen=127.0.0.1:0", "--plaintext"},
                                    {{"KLING_API_KEY", "k-1234567890"},
                                     {"KLING_ACCESS_KEY", kAccessKey},
                                     {"KLING_SECRET_KEY", kSecretKey}},
                                    &log);
  EXPECT_EQ(code, 2) << log;
  EXPECT_TRUE(absl::StrContains(log, "not both")) << log;
  EXPECT_FALSE(absl::StrContains(log, kSecretKey)) << log;
}

TEST(SecretHygieneTest, NoSecretReachesTheLogOfAFullSession) {
  const std::string dir = MakeTempDir("lipsync-secrets");
  WriteFile(dir + "/tokens", absl::StrCat("alice:", kAliceToken, "\n"));
  GatewayHarness harness;
  HarnessOptions options;
  options.gateway_args = {"--auth_tokens_file=" + dir + "/tokens",
                          "--metrics_listen=127.0.0.1:0"};
  ASSERT_TRUE(harness.Start(options).ok()) << harness.gateway().ReadLog();

  // Every kind of call and outcome, at --log_level=debug (the harness's).
  EXPECT_TRUE(CreateWith(harness, kAliceToken).ok());
  EXPECT_FALSE(CreateWith(harness, kWrongToken).ok());
  v1::LipSyncTask task;
  auto invalid = TokenContext(kAliceToken);
  EXPECT_FALSE(harness.stub()
                   .CreateLipSyncTask(invalid.get(),
                                      v1::CreateLipSyncTaskRequest(), &task)
                   .ok());
  harness.AddSimFault({{"path_prefix", "/v1/videos/advanced-lip-sync"},
                       {"fault", "error"},
                       {"http_status", 401},
                       {"code", 1001}});
  auto refused = TokenContext(kAliceToken);
  v1::GetLipSyncTaskRequest get;
  get.set_task_id("1");
  harness.stub().GetLipSyncTask(refused.get(), get, &task);
  harness.gateway().Signal(SIGHUP);
  EXPECT_EQ(harness.StopGateway(), 0);

  const std::string log = harness.gateway().ReadLog();
  ASSERT_FALSE(log.empty());
  for (const char* secret : {kSimApiKey, kAliceToken, kWrongToken}) {
    EXPECT_EQ(log.find(secret), std::string::npos)
        << "secret " << secret << " in the gateway log:\n"
        << log;
  }
}

// The startup line says which malloc serves the process: tcmalloc in a
// normal build (LIPSYNC_TCMALLOC), glibc's in a sanitizer build.
TEST(StartupLogTest, ServingLineNamesTheAllocator) {
  GatewayHarness harness;
  ASSERT_TRUE(harness.Start(HarnessOptions{}).ok())
      << harness.gateway().ReadLog();
  const nlohmann::json serving =
      FindLogLine(harness.gateway().ReadLog(), "serving");
  ASSERT_TRUE(serving.is_object()) << harness.gateway().ReadLog();
  const std::string allocator = serving.value("allocator", "");
#ifdef LIPSYNC_GATEWAY_USES_TCMALLOC
  EXPECT_TRUE(absl::StartsWith(allocator, "tcmalloc (gperftools "))
      << allocator;
#else
  EXPECT_EQ(allocator, "glibc");
#endif
}

}  // namespace
}  // namespace lipsync::testing

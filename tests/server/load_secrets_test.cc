// LoadSecrets: every credential source combination, every problem reported
// at once, and no message quoting a secret.
#include "service/server/load_secrets.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/security/test_pki.h"
#include "tests/support/subprocess.h"

namespace lipsync::server {
namespace {

using lipsync::testing::MakeTempDir;

std::string Write(const std::string& dir, const std::string& name,
                  const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << content;
  return path;
}

std::string Joined(const std::vector<std::string>& errors) {
  return absl::StrJoin(errors, " | ");
}

TEST(LoadSecretsTest, PlaintextWithApiKeyFromTheEnvironment) {
  SecretSources sources;
  sources.plaintext = true;
  sources.api_key_env = "key-from-env";
  GatewayOptions options;
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  EXPECT_EQ(options.api_key, "key-from-env");
  EXPECT_EQ(options.transport, "plaintext");
  EXPECT_NE(options.server_credentials, nullptr);
  EXPECT_EQ(options.authenticator, nullptr);
  EXPECT_EQ(options.credentials, nullptr);
}

TEST(LoadSecretsTest, ApiKeyFileWinsOverTheEnvironment) {
  const std::string dir = MakeTempDir("load-secrets");
  SecretSources sources;
  sources.plaintext = true;
  sources.api_key_file = Write(dir, "key", "key-from-file\n");
  sources.api_key_env = "key-from-env";
  GatewayOptions options;
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  EXPECT_EQ(options.api_key, "key-from-file");
}

TEST(LoadSecretsTest, JwtPairBuildsCredentialsThatMintBearerTokens) {
  const std::string dir = MakeTempDir("load-secrets");
  SecretSources sources;
  sources.plaintext = true;
  sources.access_key_file = Write(dir, "ak", "access-key-1\n");
  sources.secret_key_env = "secret-key-from-env";
  GatewayOptions options;
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  ASSERT_NE(options.credentials, nullptr);
  EXPECT_TRUE(options.api_key.empty());
  auto header = options.credentials->AuthorizationHeader();
  ASSERT_TRUE(header.ok());
  EXPECT_TRUE(absl::StartsWith(*header, "Authorization: Bearer ey"));
}

TEST(LoadSecretsTest, HalfAJwtPairIsAnError) {
  SecretSources sources;
  sources.plaintext = true;
  sources.access_key_env = "access-key-1";
  GatewayOptions options;
  const auto errors = LoadSecrets(sources, &options);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(absl::StrContains(errors[0], "go together")) << errors[0];
}

TEST(LoadSecretsTest, BothModesAtOnceAreAnErrorThatQuotesNoSecret) {
  SecretSources sources;
  sources.plaintext = true;
  sources.api_key_env = "api-key-secret-1";
  sources.access_key_env = "access-key-1";
  sources.secret_key_env = "secret-key-secret-2";
  GatewayOptions options;
  const std::string errors = Joined(LoadSecrets(sources, &options));
  EXPECT_TRUE(absl::StrContains(errors, "not both")) << errors;
  for (const char* secret : {"api-key-secret-1", "secret-key-secret-2"}) {
    EXPECT_FALSE(absl::StrContains(errors, secret)) << errors;
  }
}

TEST(LoadSecretsTest, NoTlsAndNoPlaintextIsRefused) {
  SecretSources sources;
  sources.api_key_env = "k";
  GatewayOptions options;
  const std::string errors = Joined(LoadSecrets(sources, &options));
  EXPECT_TRUE(absl::StrContains(errors, "--plaintext")) << errors;
  EXPECT_EQ(options.server_credentials, nullptr);
}

TEST(LoadSecretsTest, PlaintextAndACertificateConflict) {
  SecretSources sources;
  sources.plaintext = true;
  sources.tls.cert_file = "/nonexistent/tls.crt";
  sources.tls.key_file = "/nonexistent/tls.key";
  sources.api_key_env = "k";
  GatewayOptions options;
  const std::string errors = Joined(LoadSecrets(sources, &options));
  EXPECT_TRUE(absl::StrContains(errors, "conflicts")) << errors;
}

TEST(LoadSecretsTest, TlsAndMutualTlsFromRealFiles) {
  const std::string dir = MakeTempDir("load-secrets");
  const auto pki = security::testing_util::MakeTestPki(dir);
  SecretSources sources;
  sources.api_key_env = "k";
  sources.tls.cert_file = pki.server_cert;
  sources.tls.key_file = pki.server_key;
  GatewayOptions tls;
  EXPECT_TRUE(LoadSecrets(sources, &tls).empty());
  EXPECT_EQ(tls.transport, "tls");
  sources.tls.client_ca_file = pki.ca_pem;
  GatewayOptions mtls;
  EXPECT_TRUE(LoadSecrets(sources, &mtls).empty());
  EXPECT_EQ(mtls.transport, "mtls");
}

TEST(LoadSecretsTest, EveryProblemIsReportedTogether) {
  const std::string dir = MakeTempDir("load-secrets");
  SecretSources sources;
  sources.tls.cert_file = dir + "/missing.crt";  // key missing too
  sources.auth_tokens_file = Write(dir, "tokens", "alice:short-tok\n");
  sources.api_key_file = dir + "/missing-key";
  GatewayOptions options;
  const auto errors = LoadSecrets(sources, &options);
  const std::string joined = Joined(errors);
  EXPECT_EQ(errors.size(), 3u) << joined;
  EXPECT_TRUE(absl::StrContains(joined, "--auth_tokens_file")) << joined;
  EXPECT_TRUE(absl::StrContains(joined, "--api_key_file")) << joined;
  EXPECT_FALSE(absl::StrContains(joined, "short-tok")) << joined;
}

TEST(LoadSecretsTest, CallerTokensLoadAndAuthenticate) {
  const std::string dir = MakeTempDir("load-secrets");
  SecretSources sources;
  sources.plaintext = true;
  sources.api_key_env = "k";
  sources.auth_tokens_file =
      Write(dir, "tokens", "alice:0123456789abcdef-alice\n");
  GatewayOptions options;
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  ASSERT_NE(options.authenticator, nullptr);
  EXPECT_EQ(
      options.authenticator->Authenticate("Bearer 0123456789abcdef-alice"),
      "alice");
}

TEST(LoadSecretsTest, RedisPasswordFromItsFileElseTheEnvironment) {
  const std::string dir = MakeTempDir("load-secrets");
  SecretSources sources;
  sources.plaintext = true;
  sources.api_key_env = "k";
  sources.redis_password_env = "from-env";
  GatewayOptions options;
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  EXPECT_EQ(options.shared_state.password, "from-env");
  sources.redis_password_file = Write(dir, "redis", "from-file\n");
  EXPECT_TRUE(LoadSecrets(sources, &options).empty());
  EXPECT_EQ(options.shared_state.password, "from-file");
  sources.redis_password_file = dir + "/missing";
  const std::vector<std::string> errors = LoadSecrets(sources, &options);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(absl::StrContains(errors[0], "--redis_password_file"))
      << errors[0];
}

}  // namespace
}  // namespace lipsync::server

#include "service/security/jwt_credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "sim/jwt_verifier.h"

namespace lipsync::security {
namespace {

using ::testing::StartsWith;

constexpr char kAccessKey[] = "ak-test-0123";
constexpr char kSecretKey[] = "sk-test-abcdefghijklmnop";
constexpr char kHeaderPrefix[] = "Authorization: Bearer ";

// A clock the test moves by hand.
class FakeClock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  std::function<absl::Time()> AsFunction() {
    return [this] { return Now(); };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

struct DecodedJwt {
  std::string header_text;
  nlohmann::json claims;
  std::string signing_input;
  std::string signature;
};

// Decodes without trusting the code under test: strict unpadded base64url.
DecodedJwt Decode(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(parts.size(), 3u) << token;
  DecodedJwt out;
  if (parts.size() != 3) return out;
  for (const std::string& part : parts) {
    EXPECT_FALSE(absl::StrContains(part, "=")) << "padded segment";
    EXPECT_FALSE(absl::StrContains(part, "+")) << "not base64url";
    EXPECT_FALSE(absl::StrContains(part, "/")) << "not base64url";
  }
  std::string claims_text;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[0], &out.header_text));
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims_text));
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[2], &out.signature));
  out.claims = nlohmann::json::parse(claims_text, nullptr, false);
  out.signing_input = parts[0] + "." + parts[1];
  return out;
}

std::string ExpectedSignature(const std::string& key,
                              const std::string& input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &mac_len);
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::string TokenOf(const absl::StatusOr<std::string>& header) {
  EXPECT_TRUE(header.ok()) << header.status();
  EXPECT_THAT(*header, StartsWith(kHeaderPrefix));
  return header->substr(sizeof(kHeaderPrefix) - 1);
}

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(JwtCredentialsTest, MintsTheDocumentedHeaderClaimsAndSignature) {
  FakeClock clock(kStart + absl::Milliseconds(700));
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  const DecodedJwt jwt = Decode(TokenOf(credentials->AuthorizationHeader()));

  EXPECT_EQ(nlohmann::json::parse(jwt.header_text),
            nlohmann::json({{"alg", "HS256"}, {"typ", "JWT"}}));
  ASSERT_TRUE(jwt.claims.is_object());
  EXPECT_EQ(jwt.claims["iss"], kAccessKey);
  EXPECT_EQ(jwt.claims["exp"], 1'700'000'000 + 1800);
  EXPECT_EQ(jwt.claims["nbf"], 1'700'000'000 - 5);
  EXPECT_EQ(jwt.claims.size(), 3u);
  EXPECT_EQ(jwt.signature, ExpectedSignature(kSecretKey, jwt.signing_input));
  EXPECT_NE(jwt.signature, ExpectedSignature("other", jwt.signing_input));
}

TEST(JwtCredentialsTest, ReusesTheTokenUntilTheRenewWindow) {
  FakeClock clock(kStart);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  const std::string first = TokenOf(credentials->AuthorizationHeader());

  // 1800 s lifetime - 300 s renew window: the same token until +1500 s.
  clock.Advance(absl::Seconds(1499));
  EXPECT_EQ(TokenOf(credentials->AuthorizationHeader()), first);

  clock.Advance(absl::Seconds(1));
  const std::string second = TokenOf(credentials->AuthorizationHeader());
  EXPECT_NE(second, first);
  EXPECT_EQ(Decode(second).claims["exp"], 1'700'000'000 + 1500 + 1800);
  EXPECT_EQ(Decode(second).claims["nbf"], 1'700'000'000 + 1500 - 5);
  EXPECT_EQ(TokenOf(credentials->AuthorizationHeader()), second);
}

TEST(JwtCredentialsTest, RenewWindowIsConfigurable) {
  FakeClock clock(kStart);
  JwtOptions options;
  options.renew_before_expiry = absl::Seconds(1000);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction(), options);
  const std::string first = TokenOf(credentials->AuthorizationHeader());
  clock.Advance(absl::Seconds(799));
  EXPECT_EQ(TokenOf(credentials->AuthorizationHeader()), first);
  clock.Advance(absl::Seconds(1));
  EXPECT_NE(TokenOf(credentials->AuthorizationHeader()), first);
}

TEST(JwtCredentialsTest, RemintsWhenTheClockStepsBack) {
  FakeClock clock(kStart);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  const std::string first = TokenOf(credentials->AuthorizationHeader());
  // A token minted "in the future" would carry an nbf the upstream rejects.
  clock.Advance(-absl::Seconds(60));
  const std::string second = TokenOf(credentials->AuthorizationHeader());
  EXPECT_NE(second, first);
  EXPECT_EQ(Decode(second).claims["nbf"], 1'700'000'000 - 60 - 5);
}

TEST(JwtCredentialsTest, ConcurrentCallersShareOneToken) {
  FakeClock clock(kStart);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  const std::string expected = *credentials->AuthorizationHeader();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (*credentials->AuthorizationHeader() != expected) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(JwtCredentialsTest, RenewsSafelyUnderConcurrency) {
  FakeClock clock(kStart);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        absl::StatusOr<std::string> header = credentials->AuthorizationHeader();
        ASSERT_TRUE(header.ok());
        ASSERT_TRUE(absl::StartsWith(*header, kHeaderPrefix));
      }
    });
  }
  for (int i = 0; i < 300; ++i) clock.Advance(absl::Seconds(10));
  for (std::thread& t : threads) t.join();
  // Whenever it was minted, the token handed out has more than the renew
  // window left.
  const DecodedJwt jwt = Decode(TokenOf(credentials->AuthorizationHeader()));
  const int64_t left =
      jwt.claims["exp"].get<int64_t>() - absl::ToUnixSeconds(clock.Now());
  EXPECT_GT(left, 300);
  EXPECT_LE(left, 1800);
}

TEST(JwtCredentialsTest, ValidatesOptions) {
  JwtOptions options;
  EXPECT_TRUE(ValidateJwtOptions(options).ok());
  options.renew_before_expiry = options.lifetime;
  EXPECT_EQ(ValidateJwtOptions(options).code(),
            absl::StatusCode::kInvalidArgument);
  options = JwtOptions();
  options.lifetime = absl::ZeroDuration();
  EXPECT_FALSE(ValidateJwtOptions(options).ok());
  options = JwtOptions();
  options.not_before_skew = -absl::Seconds(1);
  EXPECT_FALSE(ValidateJwtOptions(options).ok());
}

// Interop: the repo's stand-in upstream (kling-sim) accepts the token, and
// rejects it when it should.
TEST(JwtCredentialsTest, KlingSimVerifierAcceptsTheToken) {
  FakeClock clock(kStart);
  auto credentials =
      MakeJwtCredentials(kAccessKey, kSecretKey, clock.AsFunction());
  const std::string token = TokenOf(credentials->AuthorizationHeader());
  const int64_t now_s = absl::ToUnixSeconds(kStart);

  kling_sim::JwtVerifier verifier(kAccessKey, kSecretKey);
  EXPECT_EQ(verifier.Verify(token, now_s), kling_sim::JwtVerdict::kValid);
  EXPECT_EQ(verifier.Verify(token, now_s - 5), kling_sim::JwtVerdict::kValid);
  EXPECT_EQ(verifier.Verify(token, now_s - 6),
            kling_sim::JwtVerdict::kNotYetValid);
  EXPECT_EQ(verifier.Verify(token, now_s + 1799),
            kling_sim::JwtVerdict::kValid);
  EXPECT_EQ(verifier.Verify(token, now_s + 1800),
            kling_sim::JwtVerdict::kExpired);
  EXPECT_EQ(kling_sim::JwtVerifier("other-ak", kSecretKey).Verify(token, now_s),
            kling_sim::JwtVerdict::kInvalid);
  EXPECT_EQ(kling_sim::JwtVerifier(kAccessKey, "other-sk").Verify(token, now_s),
            kling_sim::JwtVerdict::kInvalid);
}

TEST(JwtCredentialsTest, MatchesTheSimsOwnMinter) {
  // Same inputs, same bytes: both encode the claims in one canonical order.
  const int64_t now_s = absl::ToUnixSeconds(kStart);
  EXPECT_EQ(
      MintKlingJwt(kAccessKey, kSecretKey, kStart),
      kling_sim::MintKlingJwt(kAccessKey, kSecretKey, now_s - 5, now_s + 1800));
}

}  // namespace
}  // namespace lipsync::security

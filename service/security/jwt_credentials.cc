#include "service/security/jwt_credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace lipsync::security {
namespace {

// The header never changes; its encoding is computed once.
constexpr absl::string_view kJwtHeader = R"({"alg":"HS256","typ":"JWT"})";

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  // HMAC() fails only on an allocation failure inside OpenSSL: there is no
  // meaningful recovery from that, and a token with a wrong signature would
  // fail every upstream call anyway.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest, &digest_len) == nullptr) {
    std::fputs("fatal: HMAC-SHA256 failed in OpenSSL\n", stderr);
    std::abort();
  }
  std::string out(reinterpret_cast<const char*>(digest), digest_len);
  OPENSSL_cleanse(digest, sizeof(digest));
  return out;
}

class JwtCredentials final : public upstream::Credentials {
 public:
  JwtCredentials(std::string access_key, std::string secret_key,
                 std::function<absl::Time()> clock, const JwtOptions& options)
      : access_key_(std::move(access_key)),
        secret_key_(std::move(secret_key)),
        clock_(std::move(clock)),
        options_(options) {}

  ~JwtCredentials() override {
    OPENSSL_cleanse(secret_key_.data(), secret_key_.size());
  }

  absl::StatusOr<std::string> AuthorizationHeader() override {
    const absl::Time now = clock_();
    absl::MutexLock lock(&mu_);
    // Minting under the lock is fine: it is one HMAC (microseconds), and it
    // keeps concurrent callers from each minting their own token.
    if (header_.empty() || now >= renew_at_ || now < minted_at_) {
      header_ =
          absl::StrCat("Authorization: Bearer ",
                       MintKlingJwt(access_key_, secret_key_, now, options_));
      minted_at_ = now;
      renew_at_ = now + options_.lifetime - options_.renew_before_expiry;
    }
    return header_;
  }

 private:
  const std::string access_key_;
  std::string secret_key_;
  const std::function<absl::Time()> clock_;
  const JwtOptions options_;
  absl::Mutex mu_;
  std::string header_ ABSL_GUARDED_BY(mu_);
  absl::Time minted_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace

absl::Status ValidateJwtOptions(const JwtOptions& options) {
  if (options.lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("jwt lifetime must be positive");
  }
  if (options.not_before_skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("jwt not_before_skew must be >= 0");
  }
  if (options.renew_before_expiry < absl::ZeroDuration() ||
      options.renew_before_expiry >= options.lifetime) {
    return absl::InvalidArgumentError(
        "jwt renew_before_expiry must be >= 0 and shorter than the lifetime");
  }
  return absl::OkStatus();
}

std::string MintKlingJwt(absl::string_view access_key,
                         absl::string_view secret_key, absl::Time now,
                         const JwtOptions& options) {
  // Whole seconds: Kling (and most JWT libraries) read NumericDate as an
  // integer. Truncating `now` keeps exp - nbf exactly lifetime + skew.
  const int64_t now_s = absl::ToUnixSeconds(now);
  const nlohmann::json claims = {
      {"iss", std::string(access_key)},
      {"exp", now_s + absl::ToInt64Seconds(options.lifetime)},
      {"nbf", now_s - absl::ToInt64Seconds(options.not_before_skew)}};
  // WebSafeBase64Escape is base64url without padding, as RFC 7515 requires.
  const std::string signing_input =
      absl::StrCat(absl::WebSafeBase64Escape(kJwtHeader), ".",
                   absl::WebSafeBase64Escape(claims.dump()));
  return absl::StrCat(
      signing_input, ".",
      absl::WebSafeBase64Escape(HmacSha256(secret_key, signing_input)));
}

std::shared_ptr<upstream::Credentials> MakeJwtCredentials(
    std::string access_key, std::string secret_key,
    std::function<absl::Time()> clock, const JwtOptions& options) {
  const absl::Status valid = ValidateJwtOptions(options);
  if (access_key.empty() || secret_key.empty() || !valid.ok() || !clock) {
    // Startup validates these; reaching here is a wiring bug. The message
    // names no key material.
    std::fprintf(stderr, "fatal: MakeJwtCredentials: %s\n",
                 !valid.ok() ? std::string(valid.message()).c_str()
                             : "empty access key, secret key or clock");
    std::abort();
  }
  return std::make_shared<JwtCredentials>(
      std::move(access_key), std::move(secret_key), std::move(clock), options);
}

}  // namespace lipsync::security

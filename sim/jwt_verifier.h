#ifndef LIPSYNC_SIM_JWT_VERIFIER_H_
#define LIPSYNC_SIM_JWT_VERIFIER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace kling_sim {

// Outcome of checking a legacy Kling JWT; each maps to one Kling code.
enum class JwtVerdict {
  kValid,
  kInvalid,      // malformed, wrong alg/signature/issuer, no exp: 1002
  kNotYetValid,  // nbf in the future: 1003
  kExpired,      // exp reached: 1004
};

// Verifies Kling's legacy bearer JWT: header {"alg":"HS256","typ":"JWT"},
// claims iss == access key, exp (required) and nbf (optional), in Unix
// seconds, HMAC-SHA256 signed with the secret key. Immutable, thread-safe.
class JwtVerifier {
 public:
  JwtVerifier(std::string access_key, std::string secret_key)
      : access_key_(std::move(access_key)),
        secret_key_(std::move(secret_key)) {}

  JwtVerdict Verify(absl::string_view token, int64_t now_s) const;

 private:
  std::string access_key_;
  std::string secret_key_;
};

// Mints the token a Kling client would send (used by tests and by anyone who
// wants to curl the sim in JWT mode).
std::string MintKlingJwt(absl::string_view access_key,
                         absl::string_view secret_key, int64_t nbf_s,
                         int64_t exp_s);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_JWT_VERIFIER_H_

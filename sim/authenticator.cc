#include "sim/authenticator.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "sim/api_answer.h"

namespace kling_sim {

std::optional<AuthFailure> Authenticator::Check(
    const std::string* header) const {
  if (header == nullptr || absl::StripAsciiWhitespace(*header).empty()) {
    return AuthFailure{kling_code::kAuthHeaderEmpty,
                       "Authorization header is missing or empty: send "
                       "'Authorization: Bearer <token>'"};
  }
  absl::string_view value = absl::StripAsciiWhitespace(*header);
  // RFC 7235: the scheme name is case-insensitive.
  if (value.size() < 7 || !absl::StartsWithIgnoreCase(value, "Bearer ")) {
    return AuthFailure{kling_code::kTokenInvalid,
                       "Authorization header must be 'Bearer <token>'"};
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(7));
  if (!api_key_.empty() && token == api_key_) return std::nullopt;
  if (jwt_.has_value() && absl::StrContains(token, '.')) {
    switch (jwt_->Verify(token, now_ms_() / 1000)) {
      case JwtVerdict::kValid:
        return std::nullopt;
      case JwtVerdict::kNotYetValid:
        return AuthFailure{kling_code::kTokenNotYetValid,
                           "token is not yet valid (nbf is in the future)"};
      case JwtVerdict::kExpired:
        return AuthFailure{kling_code::kTokenExpired,
                           "token has expired (exp has passed)"};
      case JwtVerdict::kInvalid:
        return AuthFailure{kling_code::kTokenInvalid,
                           "token is invalid (signature, alg, iss or exp)"};
    }
  }
  return AuthFailure{kling_code::kTokenInvalid,
                     "token is invalid: unknown API key"};
}

}  // namespace kling_sim

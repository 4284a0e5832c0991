// Kling's legacy authentication: a short-lived HS256 JWT minted from an
// access key / secret key pair (docs: /work/shared/upstream/CONTRACT.md,
// "Hosts, prefixes and auth").
#ifndef LIPSYNC_SERVICE_SECURITY_JWT_CREDENTIALS_H_
#define LIPSYNC_SERVICE_SECURITY_JWT_CREDENTIALS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/upstream/credentials.h"

namespace lipsync::security {

struct JwtOptions {
  // exp = now + lifetime (Kling: 1800 s).
  absl::Duration lifetime = absl::Seconds(1800);
  // nbf = now - not_before_skew, so an upstream clock slightly behind ours
  // does not reject a fresh token as "not yet valid" (Kling code 1003).
  absl::Duration not_before_skew = absl::Seconds(5);
  // A cached token is replaced once less than this much validity remains, so
  // a request in flight (or queued for a retry) never carries a token that
  // expires on the way. Must be shorter than `lifetime`.
  absl::Duration renew_before_expiry = absl::Minutes(5);
};

// OK, or INVALID_ARGUMENT naming the offending field.
absl::Status ValidateJwtOptions(const JwtOptions& options);

// Returns the compact JWS `header.claims.signature` (unpadded base64url
// segments): header {"alg":"HS256","typ":"JWT"}, claims
// {"iss": access_key, "exp": now + lifetime, "nbf": now - skew} in whole Unix
// seconds, HMAC-SHA256 over `header.claims` keyed with `secret_key`.
// Exposed for tests and tools; the gateway uses MakeJwtCredentials.
std::string MintKlingJwt(absl::string_view access_key,
                         absl::string_view secret_key, absl::Time now,
                         const JwtOptions& options = {});

// Credentials whose AuthorizationHeader() is "Authorization: Bearer <JWT>".
// The token is cached and re-minted when less than
// `options.renew_before_expiry` of its validity remains (by `clock`), so a
// token is minted at most about once per lifetime - renew window. Thread-safe;
// concurrent callers share one token. Never fails once constructed. Neither
// the secret key nor a token is ever logged. `access_key` and `secret_key`
// must be non-empty and `options` valid (ValidateJwtOptions): check at
// startup; violating this is a programming error (fatal).
std::shared_ptr<upstream::Credentials> MakeJwtCredentials(
    std::string access_key, std::string secret_key,
    std::function<absl::Time()> clock = absl::Now,
    const JwtOptions& options = {});

}  // namespace lipsync::security

#endif  // LIPSYNC_SERVICE_SECURITY_JWT_CREDENTIALS_H_

#ifndef LIPSYNC_SIM_AUTHENTICATOR_H_
#define LIPSYNC_SIM_AUTHENTICATOR_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "sim/clock.h"
#include "sim/jwt_verifier.h"

namespace kling_sim {

// Why a request was refused: Kling code (1001..1004) and a message. HTTP 401.
struct AuthFailure {
  int code = 0;
  std::string message;
};

// Checks the Authorization header of a /v1/ request: `Bearer <api_key>`, or,
// when a JWT verifier is configured, `Bearer <JWT>`. Thread-safe.
class Authenticator {
 public:
  Authenticator(std::string api_key, std::optional<JwtVerifier> jwt,
                NowMsFn now_ms)
      : api_key_(std::move(api_key)),
        jwt_(std::move(jwt)),
        now_ms_(std::move(now_ms)) {}

  // `header` is null when the request has no Authorization header.
  // std::nullopt: accepted.
  std::optional<AuthFailure> Check(const std::string* header) const;

 private:
  std::string api_key_;
  std::optional<JwtVerifier> jwt_;
  NowMsFn now_ms_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_AUTHENTICATOR_H_

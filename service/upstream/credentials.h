// Where the upstream's Authorization header comes from.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CREDENTIALS_H_
#define LIPSYNC_SERVICE_UPSTREAM_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::upstream {

class Credentials {
 public:
  virtual ~Credentials() = default;
  // The complete header line, "Authorization: Bearer ...". Thread-safe.
  // The value is a secret: never log it.
  virtual absl::StatusOr<std::string> AuthorizationHeader() = 0;
};

// A static API key (the reseller mode, and Kling's current default).
std::shared_ptr<Credentials> MakeStaticKeyCredentials(
    absl::string_view api_key);

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CREDENTIALS_H_

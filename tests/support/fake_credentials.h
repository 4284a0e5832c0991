// Credentials that answer what the test says: a fixed header line, or a
// failure (e.g. a JWT that could not be signed).
#ifndef LIPSYNC_TESTS_SUPPORT_FAKE_CREDENTIALS_H_
#define LIPSYNC_TESTS_SUPPORT_FAKE_CREDENTIALS_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "service/upstream/credentials.h"

namespace lipsync::testing_util {

// Thread-safe (immutable).
class FakeCredentials final : public upstream::Credentials {
 public:
  explicit FakeCredentials(absl::StatusOr<std::string> header)
      : header_(std::move(header)) {}
  absl::StatusOr<std::string> AuthorizationHeader() override { return header_; }

 private:
  const absl::StatusOr<std::string> header_;
};

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_FAKE_CREDENTIALS_H_

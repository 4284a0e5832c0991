// Test helpers for absl::Status with google.rpc details (Abseil 20220623 has
// no status matchers).
#ifndef LIPSYNC_TESTS_TRANSLATE_STATUS_TESTING_H_
#define LIPSYNC_TESTS_TRANSLATE_STATUS_TESTING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "service/common/status_details.h"

namespace lipsync::translate::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// Matches an absl::Status or absl::StatusOr<T> with code `code`.
MATCHER_P(StatusIs, code,
          std::string(negation ? "isn't" : "is") + " a status with code " +
              absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

// The ErrorInfo reason of `s` ("" when it has none or it does not parse).
inline std::string ReasonOf(const absl::Status& s) {
  auto info = GetErrorInfo(s);
  return info ? info->reason() : "";
}

// ErrorInfo metadata `key` of `s` ("" when absent).
inline std::string MetadataOf(const absl::Status& s, const std::string& key) {
  auto info = GetErrorInfo(s);
  if (!info) return "";
  auto it = info->metadata().find(key);
  return it == info->metadata().end() ? "" : it->second;
}

}  // namespace lipsync::translate::testing

#endif  // LIPSYNC_TESTS_TRANSLATE_STATUS_TESTING_H_

// Test helpers for the validation tests: a valid request to break one field
// of, and matchers on FieldViolations.
#ifndef LIPSYNC_TESTS_VALIDATION_TEST_REQUESTS_H_
#define LIPSYNC_TESTS_VALIDATION_TEST_REQUESTS_H_

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/field_violation.h"
#include "tests/support/seed_requests.h"

namespace lipsync {

// gtest prints violations readably in failure messages.
inline void PrintTo(const FieldViolation& v, std::ostream* os) {
  *os << "{" << v.field << ": " << v.description << "}";
}

namespace validation {

// The seed's example request (audio_id source), valid.
inline kling::lipsync::v1::CreateLipSyncTaskRequest ValidCreateRequest() {
  return ::lipsync::testing::SeedRequest();
}

inline std::vector<std::string> FieldsOf(const FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations) fields.push_back(v.field);
  return fields;
}

// Matches one FieldViolation of `field` whose description contains `text`.
inline ::testing::Matcher<const FieldViolation&> ViolationOf(
    const std::string& field, const std::string& text = "") {
  return ::testing::AllOf(
      ::testing::Field("field", &FieldViolation::field, field),
      ::testing::Field("description", &FieldViolation::description,
                       ::testing::HasSubstr(text)));
}

}  // namespace validation
}  // namespace lipsync

#endif  // LIPSYNC_TESTS_VALIDATION_TEST_REQUESTS_H_

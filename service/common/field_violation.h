// One broken rule of a request, as reported to the caller in a
// google.rpc.BadRequest.FieldViolation.
#ifndef LIPSYNC_SERVICE_COMMON_FIELD_VIOLATION_H_
#define LIPSYNC_SERVICE_COMMON_FIELD_VIOLATION_H_

#include <string>
#include <vector>

namespace lipsync {

struct FieldViolation {
  // Path of the field in the request, proto field names and 0-based indexes:
  // "session_id", "face_choose[0].sound_end_time".
  std::string field;
  // What is wrong and what is accepted, in one sentence for humans.
  std::string description;

  friend bool operator==(const FieldViolation& a, const FieldViolation& b) {
    return a.field == b.field && a.description == b.description;
  }
};

using FieldViolations = std::vector<FieldViolation>;

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_FIELD_VIOLATION_H_

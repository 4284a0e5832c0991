// The path of a checked field, joined into a string only when a violation
// names it. The checks run on every call and almost always pass, and a joined
// path such as "face_choose[0].original_audio_volume" is longer than a
// std::string holds inline: joining up front cost a heap allocation per check.
#ifndef LIPSYNC_SERVICE_VALIDATION_FIELD_PATH_H_
#define LIPSYNC_SERVICE_VALIDATION_FIELD_PATH_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace lipsync::validation {

// Views its parts: a FieldPath must not outlive the strings it was made of
// (pass it down a call, do not store it).
class FieldPath {
 public:
  // A whole path: "session_id".
  FieldPath(const char* whole) : parent_(whole) {}         // NOLINT: implicit
  FieldPath(absl::string_view whole) : parent_(whole) {}   // NOLINT: implicit
  FieldPath(const std::string& whole) : parent_(whole) {}  // NOLINT: implicit
  // A temporary string would die before the path is read.
  FieldPath(std::string&& whole) = delete;
  // `parent`.`name`: "face_choose[0]" and "sound_volume".
  FieldPath(absl::string_view parent, absl::string_view name)
      : parent_(parent), name_(name), joined_(true) {}

  std::string str() const {
    return joined_ ? absl::StrCat(parent_, ".", name_) : std::string(parent_);
  }

 private:
  absl::string_view parent_;
  absl::string_view name_;
  bool joined_ = false;
};

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_FIELD_PATH_H_

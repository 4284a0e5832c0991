// Tolerant, typed reads of the members of one JSON object of an upstream
// answer. The upstream is loose with types (ids as strings or numbers,
// durations as strings or numbers), so each reader accepts every type that
// has one obvious meaning and refuses the rest with UPSTREAM_BAD_ANSWER
// naming the field ("task_result.videos[0].duration"). Never throws.
#ifndef LIPSYNC_SERVICE_TRANSLATE_JSON_FIELDS_H_
#define LIPSYNC_SERVICE_TRANSLATE_JSON_FIELDS_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace lipsync::translate {

class FieldReader {
 public:
  // `object` must be a JSON object and outlive the reader; `path` names it in
  // errors ("" for the top level, "data[3]", "task_info.parent_video").
  FieldReader(const nlohmann::json& object, std::string path);

  // Every reader: a missing or null member leaves `*out` unchanged and
  // returns OK; a member of a refused type returns INTERNAL
  // UPSTREAM_BAD_ANSWER with metadata `field` (the path) and `json_type`.

  // string as is; integer as its decimal text (exact, int64 and uint64);
  // float as its shortest round-trip text. Refuses bool, object, array.
  absl::Status Text(const char* key, std::string* out) const;
  // integer in int64 range; float with an integral value in range; string
  // holding a decimal integer ("" counts as missing). Refuses the rest.
  absl::Status Int64(const char* key, int64_t* out) const;
  // bool; integer 0 or 1; string "true" / "false". Refuses the rest.
  absl::Status Bool(const char* key, bool* out) const;
  // The member when it is an object, nullptr when missing or null.
  absl::StatusOr<const nlohmann::json*> Object(const char* key) const;
  // When member `key` is an object: what `read` returns for a reader of it
  // (path PathOf(key)). OK without calling `read` when the member is missing
  // or null; BAD_ANSWER, as Object, when it is of another type.
  absl::Status ReadObject(
      const char* key,
      absl::FunctionRef<absl::Status(const FieldReader&)> read) const;
  // The member when it is an array, nullptr when missing or null.
  absl::StatusOr<const nlohmann::json*> Array(const char* key) const;

  // The path of member `key`: "<path>.<key>" or "<key>" at the top.
  std::string PathOf(absl::string_view key) const;

 private:
  const nlohmann::json* Find(const char* key) const;
  absl::Status WrongType(const char* key, const nlohmann::json& value,
                         absl::string_view expected) const;

  const nlohmann::json& object_;
  std::string path_;
};

// The BAD_ANSWER status for a value at `path` that should have been
// `expected` ("object", "array", ...).
absl::Status WrongTypeError(absl::string_view path, const nlohmann::json& value,
                            absl::string_view expected);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_JSON_FIELDS_H_

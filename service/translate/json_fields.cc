#include "service/translate/json_fields.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/translate/bad_answer.h"
#include "service/translate/json_text.h"

namespace lipsync::translate {

using Json = nlohmann::json;

absl::Status WrongTypeError(absl::string_view path, const Json& value,
                            absl::string_view expected) {
  return BadAnswerError(
      absl::StrCat("`", path, "` is ", value.type_name(), ", expected ",
                   expected),
      {{"field", std::string(path)}, {"json_type", value.type_name()}});
}

FieldReader::FieldReader(const Json& object, std::string path)
    : object_(object), path_(std::move(path)) {}

std::string FieldReader::PathOf(absl::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

const Json* FieldReader::Find(const char* key) const {
  if (!object_.is_object()) return nullptr;
  const auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status FieldReader::WrongType(const char* key, const Json& value,
                                    absl::string_view expected) const {
  return WrongTypeError(PathOf(key), value, expected);
}

absl::Status FieldReader::Text(const char* key, std::string* out) const {
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (v->is_string()) {
    *out = v->get_ref<const std::string&>();
  } else if (v->is_number_unsigned()) {
    *out = absl::StrCat(v->get<uint64_t>());
  } else if (v->is_number_integer()) {
    *out = absl::StrCat(v->get<int64_t>());
  } else if (v->is_number_float()) {
    out->clear();
    AppendJsonNumber(out, v->get<double>());
  } else {
    return WrongType(key, *v, "string or number");
  }
  return absl::OkStatus();
}

absl::Status FieldReader::Int64(const char* key, int64_t* out) const {
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *out = static_cast<int64_t>(u);
      return absl::OkStatus();
    }
  } else if (v->is_number_integer()) {
    *out = v->get<int64_t>();
    return absl::OkStatus();
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    // 2^63 is exactly representable; every double below it converts safely.
    if (std::trunc(d) == d && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
      *out = static_cast<int64_t>(d);
      return absl::OkStatus();
    }
  } else if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s.empty()) return absl::OkStatus();
    if (absl::SimpleAtoi(s, out)) return absl::OkStatus();
  }
  return WrongType(key, *v, "integer");
}

absl::Status FieldReader::Bool(const char* key, bool* out) const {
  const Json* v = Find(key);
  if (v == nullptr) return absl::OkStatus();
  if (v->is_boolean()) {
    *out = v->get<bool>();
    return absl::OkStatus();
  }
  if (v->is_number_integer() && (*v == 0 || *v == 1)) {
    *out = *v == 1;
    return absl::OkStatus();
  }
  if (v->is_string() && (*v == "true" || *v == "false")) {
    *out = *v == "true";
    return absl::OkStatus();
  }
  return WrongType(key, *v, "boolean");
}

absl::StatusOr<const Json*> FieldReader::Object(const char* key) const {
  const Json* v = Find(key);
  if (v == nullptr || v->is_object()) return v;
  return WrongType(key, *v, "object");
}

absl::Status FieldReader::ReadObject(
    const char* key,
    absl::FunctionRef<absl::Status(const FieldReader&)> read) const {
  absl::StatusOr<const Json*> object = Object(key);
  if (!object.ok() || *object == nullptr) return object.status();
  return read(FieldReader(**object, PathOf(key)));
}

absl::StatusOr<const Json*> FieldReader::Array(const char* key) const {
  const Json* v = Find(key);
  if (v == nullptr || v->is_array()) return v;
  return WrongType(key, *v, "array");
}

}  // namespace lipsync::translate

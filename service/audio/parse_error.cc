#include "service/audio/parse_error.h"

#include "absl/strings/str_cat.h"

namespace lipsync::audio {

absl::Status TruncatedError(absl::string_view container,
                            absl::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat("truncated ", container, ": ", detail));
}

absl::Status CorruptError(absl::string_view container,
                          absl::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat("corrupt ", container, ": ", detail));
}

absl::Status NotRecognisedError(absl::string_view detail) {
  if (detail.empty()) return absl::InvalidArgumentError(kNotRecognisedMessage);
  return absl::InvalidArgumentError(
      absl::StrCat(kNotRecognisedMessage, " (", detail, ")"));
}

std::string QuoteTag(absl::string_view tag) {
  std::string out = "'";
  for (char c : tag) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '.');
  }
  out.push_back('\'');
  return out;
}

}  // namespace lipsync::audio

// Bounded, safe copies of untrusted upstream text for error messages and
// google.rpc.ErrorInfo metadata. ErrorInfo metadata are proto3 `string`s,
// which must be valid UTF-8 or the detail fails to parse on the client.
#ifndef LIPSYNC_SERVICE_TRANSLATE_TEXT_EXCERPT_H_
#define LIPSYNC_SERVICE_TRANSLATE_TEXT_EXCERPT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace lipsync::translate {

// Marker appended to a cut text (counted in the budget).
inline constexpr absl::string_view kEllipsis = "...";

// Returns valid UTF-8 of at most `max_bytes` bytes (`max_bytes` ≥ 8): `text`
// with each byte of an invalid sequence replaced by U+FFFD, cut at a code
// point boundary and ended with kEllipsis when it does not fit.
std::string Utf8Prefix(absl::string_view text, std::size_t max_bytes);

// Returns printable ASCII of at most `max_chars` characters (`max_chars` ≥ 8)
// describing the start of the raw bytes `bytes`: printable ASCII as is,
// \n \r \t as those escapes, a backslash as \\, every other byte as \xNN; cut
// with kEllipsis when it does not fit. For excerpts of non-JSON answers.
std::string EscapedExcerpt(absl::string_view bytes, std::size_t max_chars);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_TEXT_EXCERPT_H_

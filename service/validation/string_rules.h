// Reusable checks on the strings of a request: ids, http(s) URLs and
// idempotency keys. Every check appends one FieldViolation per broken rule of
// the value to `out` (several rules can break at once, e.g. an id that is too
// long AND holds a newline); a value that breaks no rule appends nothing.
//
// Descriptions never echo the caller's value (it may be huge or hostile);
// they name the offending byte and its offset instead, so every description
// is short whatever the input.
//
// All functions are pure and thread-safe.
#ifndef LIPSYNC_SERVICE_VALIDATION_STRING_RULES_H_
#define LIPSYNC_SERVICE_VALIDATION_STRING_RULES_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "service/common/field_violation.h"
#include "service/validation/field_path.h"

namespace lipsync::validation {

// Whether an empty value is a violation ("is required") or means "not set".
enum class Presence { kRequired, kOptional };

// Id rules (session, face, audio, task, external task, video ids):
// non-empty when required; at most kMaxIdChars characters (Unicode code
// points); no control characters (bytes < 0x20 and 0x7F); valid UTF-8.
void CheckId(const FieldPath& field, absl::string_view value, Presence presence,
             FieldViolations& out);

// Ids that travel as a URL path segment upstream (task_id, external_task_id
// and the idempotency key, which becomes an external_task_id): not "." or
// "..", which an HTTP client resolves as a path step (GET .../tasks/.. would
// read another resource).
void CheckNotDotSegment(const FieldPath& field, absl::string_view value,
                        FieldViolations& out);

// http(s) URL rules (callback, audio and video URLs): non-empty when
// required; at most kMaxUrlChars characters; no whitespace or control
// characters; ASCII only (other characters must be percent-encoded, RFC
// 3986); scheme http or https (any case) followed by "//" and a non-empty
// host; no userinfo ("user:pass@": credentials must not travel in URLs);
// a port, when present, is a number in 1..65535.
void CheckHttpUrl(const FieldPath& field, absl::string_view value,
                  Presence presence, FieldViolations& out);

// Idempotency key rules (`request_id`, gateway-only, optional): empty means
// not set; at most kMaxRequestIdChars characters of [A-Za-z0-9._:-].
void CheckIdempotencyKey(const FieldPath& field, absl::string_view value,
                         FieldViolations& out);

// True when `value` starts with "http://" or "https://", in any case. This is
// how an audio `sound_file` is told apart from Base64 text (Base64 has no
// ':').
bool HasHttpSchemePrefix(absl::string_view value);

// Offset of the first byte of `value` that is not part of a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF), or
// absl::string_view::npos when `value` is valid UTF-8.
std::size_t FindInvalidUtf8(absl::string_view value);

// "'x'" for a printable ASCII byte, "byte 0x0A" otherwise: how descriptions
// name an offending byte without copying raw input into them.
std::string DescribeByte(char c);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_STRING_RULES_H_

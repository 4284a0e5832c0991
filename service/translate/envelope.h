// The answer envelope every upstream call returns:
//   {"code": 0, "message": "SUCCEED", "request_id": "...", "data": ...}
#ifndef LIPSYNC_SERVICE_TRANSLATE_ENVELOPE_H_
#define LIPSYNC_SERVICE_TRANSLATE_ENVELOPE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace lipsync::translate {

// A successful answer (`code` 0, HTTP 2xx).
struct Envelope {
  // Kling's `request_id` (numbers converted to text); may be empty.
  std::string request_id;
  // `data` as sent; null when absent. Nested at most kMaxJsonDepth deep.
  nlohmann::json data;
};

// Deepest array/object nesting accepted in an answer. Kling's answers nest
// about 5 levels. nlohmann's parser and destructor are iterative, but its
// copy and dump() recurse, so hostile depth is refused before parsing.
inline constexpr int kMaxJsonDepth = 64;
// Longest body excerpt (escaped) put in an UPSTREAM_BAD_ANSWER.
inline constexpr std::size_t kMaxBodyExcerptChars = 120;

// Reads an upstream answer. `retry_after` is the answer's Retry-After header.
// - Envelope with `code` ≠ 0, whatever the HTTP status (200 included):
//   UpstreamErrorToStatus (kling_error.h), with `message` and `request_id`.
// - HTTP 2xx, `code` 0: the Envelope (`data` may be absent, null or {}).
// - No readable envelope (empty body, not JSON, nested deeper than
//   kMaxJsonDepth, not an object, `code` missing or not a JSON integer), or
//   `code` 0 with a non-2xx status:
//     HTTP 2xx and others: INTERNAL, reason UPSTREAM_BAD_ANSWER;
//     HTTP 502/503/504 (e.g. a proxy's HTML page): UNAVAILABLE,
//       reason UPSTREAM_UNAVAILABLE, RetryInfo from `retry_after` if given;
//     HTTP 429: RESOURCE_EXHAUSTED, reason UPSTREAM_RATE_LIMITED, RetryInfo
//       from `retry_after` if given;
//   each with an ErrorInfo in domain "lipsync-gateway" and metadata
//   `http_status`, `problem` and `body_excerpt` (≤ kMaxBodyExcerptChars,
//   printable ASCII, control and non-ASCII bytes escaped).
// Never throws; linear in the body size.
absl::StatusOr<Envelope> ParseEnvelope(
    int http_status, absl::string_view body,
    std::optional<absl::Duration> retry_after);

// True when `body` nests arrays/objects deeper than `max_depth` (brackets
// inside JSON strings do not count). One pass, no allocation.
bool JsonNestsDeeperThan(absl::string_view body, int max_depth);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_ENVELOPE_H_

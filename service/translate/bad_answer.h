// The status for an upstream answer that the gateway cannot read: not a Kling
// envelope, or a `data` without the documented shape.
#ifndef LIPSYNC_SERVICE_TRANSLATE_BAD_ANSWER_H_
#define LIPSYNC_SERVICE_TRANSLATE_BAD_ANSWER_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lipsync::translate {

// INTERNAL whose message is "upstream answer unreadable: <problem>", with a
// google.rpc.ErrorInfo: domain "lipsync-gateway", reason UPSTREAM_BAD_ANSWER,
// and `metadata` (values must be valid UTF-8: use text_excerpt.h on upstream
// bytes). INTERNAL, not UNAVAILABLE: a malformed answer is not transient, and
// a create that got one may well have created the task.
absl::Status BadAnswerError(
    absl::string_view problem,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata);

// Returns `status` with `key`=`value` added to its ErrorInfo metadata (no-op
// when it has no ErrorInfo or `value` is empty).
absl::Status AddErrorMetadata(absl::Status status, absl::string_view key,
                              absl::string_view value);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_BAD_ANSWER_H_

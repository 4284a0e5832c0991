// The google.rpc.ErrorInfo reasons produced by the translation layer, so that
// callers (retry policy, the create path, tests) compare against constants
// instead of string literals. docs/errors.md explains each one.
#ifndef LIPSYNC_SERVICE_TRANSLATE_ERROR_REASONS_H_
#define LIPSYNC_SERVICE_TRANSLATE_ERROR_REASONS_H_

#include "absl/strings/string_view.h"

namespace lipsync::translate {

// Domain kUpstreamErrorDomain ("klingai.com"): an answer with a Kling code.
inline constexpr absl::string_view kReasonAuthenticationFailed =
    "UPSTREAM_AUTHENTICATION_FAILED";
inline constexpr absl::string_view kReasonAccountUnavailable =
    "UPSTREAM_ACCOUNT_UNAVAILABLE";
inline constexpr absl::string_view kReasonPermissionDenied =
    "UPSTREAM_PERMISSION_DENIED";
inline constexpr absl::string_view kReasonInvalidRequest =
    "UPSTREAM_INVALID_REQUEST";
inline constexpr absl::string_view kReasonInvalidMethod =
    "UPSTREAM_INVALID_METHOD";
inline constexpr absl::string_view kReasonResourceNotFound =
    "UPSTREAM_RESOURCE_NOT_FOUND";
inline constexpr absl::string_view kReasonContentPolicy =
    "UPSTREAM_CONTENT_POLICY";
inline constexpr absl::string_view kReasonRateLimited = "UPSTREAM_RATE_LIMITED";
inline constexpr absl::string_view kReasonConcurrencyLimit =
    "UPSTREAM_CONCURRENCY_LIMIT";
inline constexpr absl::string_view kReasonIpNotAllowed =
    "UPSTREAM_IP_NOT_ALLOWED";
inline constexpr absl::string_view kReasonInternalError =
    "UPSTREAM_INTERNAL_ERROR";
inline constexpr absl::string_view kReasonUnavailable = "UPSTREAM_UNAVAILABLE";
inline constexpr absl::string_view kReasonTimeout = "UPSTREAM_TIMEOUT";
inline constexpr absl::string_view kReasonUnknownCode = "UPSTREAM_UNKNOWN_CODE";

// Domain kGatewayErrorDomain ("lipsync-gateway"): an answer that is not a
// Kling envelope, or whose `data` does not have the documented shape.
inline constexpr absl::string_view kReasonBadAnswer = "UPSTREAM_BAD_ANSWER";
// (kReasonUnavailable and kReasonRateLimited are also used in this domain for
// envelope-less 502/503/504 and 429 answers, e.g. a proxy's HTML page.)

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_ERROR_REASONS_H_

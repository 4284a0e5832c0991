// google.rpc error details carried inside absl::Status payloads, so that every
// internal layer speaks absl::Status and only the gRPC edge converts to
// grpc::Status (service/server/grpc_status.h).
#ifndef LIPSYNC_SERVICE_COMMON_STATUS_DETAILS_H_
#define LIPSYNC_SERVICE_COMMON_STATUS_DETAILS_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/field_violation.h"

namespace lipsync {

// Type URLs, as in google.protobuf.Any.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoTypeUrl =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// ErrorInfo domains: errors of the upstream vs. the gateway's own.
inline constexpr absl::string_view kUpstreamErrorDomain = "klingai.com";
inline constexpr absl::string_view kGatewayErrorDomain = "lipsync-gateway";

// INVALID_ARGUMENT whose message lists every violation, whose BadRequest
// payload holds one FieldViolation each, and whose ErrorInfo says
// INVALID_REQUEST (domain lipsync-gateway). `violations` must not be empty.
absl::Status InvalidRequestError(const FieldViolations& violations);

// Returns `status` with `info` attached (replacing an earlier ErrorInfo).
absl::Status WithErrorInfo(absl::Status status,
                           const google::rpc::ErrorInfo& info);
// Returns `status` with a RetryInfo of `delay` attached: the caller should
// wait that long before retrying (e.g. an upstream Retry-After).
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& s);
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& s);
std::optional<absl::Duration> GetRetryDelay(const absl::Status& s);

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_STATUS_DETAILS_H_

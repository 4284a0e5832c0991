// How the client reports errors.
//
// Every failure is an absl::Status (errors are values; no exceptions). For a
// failed RPC it keeps the gRPC code (gRPC and absl share the numbering, so
// INVALID_ARGUMENT is 3 in both) and the gateway's message, and it carries
// each google.rpc detail of the answer (google.rpc.Status.details, an Any) as
// a payload: key = the Any's type URL, e.g.
// "type.googleapis.com/google.rpc.BadRequest", value = the serialized
// message. Failures found locally (a file too large, bad ChannelOptions)
// have a code and a message only.
//
// ClientError is the typed, decoded view of such a Status, for programs that
// branch on the details and for FormatClientError, which renders one for
// people.
#ifndef LIPSYNC_CLIENT_CLIENT_ERROR_H_
#define LIPSYNC_CLIENT_CLIENT_ERROR_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace lipsync::client {

// ErrorInfo domain of errors the upstream (Kling) answered; the gateway's
// own errors use "lipsync-gateway".
inline constexpr char kUpstreamErrorDomain[] = "klingai.com";

// ErrorInfo metadata keys set by the gateway on upstream errors.
inline constexpr char kKlingRequestIdKey[] = "kling_request_id";
inline constexpr char kKlingCodeKey[] = "kling_code";
inline constexpr char kHttpStatusKey[] = "http_status";
inline constexpr char kKlingMessageKey[] = "kling_message";
// ErrorInfo metadata key of the call's trace id (every error the gateway
// builds with an ErrorInfo).
inline constexpr char kTraceIdKey[] = "trace_id";

// Trailing metadata key in which the gateway answers every call's trace id.
inline constexpr char kTraceIdTrailerKey[] = "trace-id";
// absl::Status payload key under which the client keeps a failed call's
// trace id (not a type URL: never a google.rpc detail).
inline constexpr char kTraceIdPayloadKey[] = "lipsync-client/trace-id";

// One broken rule of a request (google.rpc.BadRequest.FieldViolation).
struct FieldViolation {
  // Proto field path, e.g. "face_choose[0].sound_end_time".
  std::string field;
  std::string description;
};

// google.rpc.ErrorInfo.
struct ErrorInfo {
  // UPPER_SNAKE_CASE cause, e.g. "RATE_LIMITED".
  std::string reason;
  // kUpstreamErrorDomain or "lipsync-gateway".
  std::string domain;
  std::map<std::string, std::string> metadata;
};

struct ClientError {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  std::string message;
  // From google.rpc.BadRequest; empty when there was none.
  std::vector<FieldViolation> field_violations;
  std::optional<ErrorInfo> error_info;
  // From google.rpc.RetryInfo: how long to wait before trying again.
  std::optional<absl::Duration> retry_delay;
  // The call's trace id (W3C, 32 hex characters): quote it to the gateway's
  // operators beside Kling's request id. Empty when unknown (a local
  // failure).
  std::string trace_id;

  // ErrorInfo metadata value for `key`, or "" when absent.
  std::string Metadata(const std::string& key) const;
  // True when the upstream (Kling) produced the error.
  bool IsUpstreamError() const;
};

// grpc::Status → absl::Status as described above. OK stays OK. Details that
// do not parse are dropped (the code and message always survive).
absl::Status StatusFromGrpc(const grpc::Status& status);

// Returns `status` with `trace_id` kept as its kTraceIdPayloadKey payload
// (unchanged when OK or `trace_id` is empty).
absl::Status WithTraceId(absl::Status status, absl::string_view trace_id);

// Decodes the payloads of `status` (any absl::Status; OK gives code kOk).
// Payloads that do not parse are ignored.
ClientError ClientErrorFromStatus(const absl::Status& status);

// Renders an error for a terminal, first line "error: CODE: message", then
// one indented line per field violation, and for errors with ErrorInfo the
// reason, Kling code, Kling request id, HTTP status, Kling message and other
// metadata (but not the gateway's violation count when the violations are
// listed), then the retry delay, then the trace id. Server text has its control
// characters escaped (PrintableText). Ends without a newline. Example:
//
//   error: INVALID_ARGUMENT: invalid request (2 problems): ...
//     face_choose[0].sound_end_time: must be ≥ ...
//     session_id: is required
std::string FormatClientError(const ClientError& error);
std::string FormatClientError(const absl::Status& status);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_CLIENT_ERROR_H_

// THE mapping from an upstream error answer (HTTP status, Kling `code`) to
// absl::Status. docs/errors.md is the human-readable form of this table;
// change both together.
#ifndef LIPSYNC_SERVICE_TRANSLATE_KLING_ERROR_H_
#define LIPSYNC_SERVICE_TRANSLATE_KLING_ERROR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lipsync::translate {

// An upstream answer whose envelope carries a non-zero `code`.
struct UpstreamError {
  // HTTP status of the answer (may be 200: the code decides).
  int http_status = 0;
  // Kling's `code` (non-zero).
  int64_t code = 0;
  // Kling's `message`, untrusted, any length.
  std::string message;
  // Kling's `request_id`; empty when the answer had none.
  std::string request_id;
  // The answer's Retry-After header, when it had one.
  std::optional<absl::Duration> retry_after;
};

// Longest `kling_message` kept in the ErrorInfo and the status message.
inline constexpr std::size_t kMaxKlingMessageBytes = 256;

// Classifies on `code` first (the account codes arrive as HTTP 429), then,
// for codes not in the table, on the HTTP status:
//   1000–1004  INTERNAL            UPSTREAM_AUTHENTICATION_FAILED
//   1100–1102  FAILED_PRECONDITION UPSTREAM_ACCOUNT_UNAVAILABLE
//   1103       PERMISSION_DENIED   UPSTREAM_PERMISSION_DENIED
//   1200–1201  INVALID_ARGUMENT    UPSTREAM_INVALID_REQUEST
//   1202       INTERNAL            UPSTREAM_INVALID_METHOD
//   1203       NOT_FOUND           UPSTREAM_RESOURCE_NOT_FOUND
//   1300–1301  FAILED_PRECONDITION UPSTREAM_CONTENT_POLICY
//   1302       RESOURCE_EXHAUSTED  UPSTREAM_RATE_LIMITED       retry ≥ 1 s
//   1303       RESOURCE_EXHAUSTED  UPSTREAM_CONCURRENCY_LIMIT  retry ≥ 1 s
//   1304       PERMISSION_DENIED   UPSTREAM_IP_NOT_ALLOWED
//   5000       UNAVAILABLE         UPSTREAM_INTERNAL_ERROR
//   5001       UNAVAILABLE         UPSTREAM_UNAVAILABLE
//   5002       UNAVAILABLE         UPSTREAM_TIMEOUT
//   other      by HTTP status: 400 INVALID_ARGUMENT, 401 INTERNAL,
//              403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
//              5xx UNAVAILABLE, else UNKNOWN; reason UPSTREAM_UNKNOWN_CODE
// Every status carries a google.rpc.ErrorInfo: domain "klingai.com", the
// reason, metadata `http_status`, `kling_code`, `kling_request_id` (when
// known) and `kling_message` (valid UTF-8, ≤ kMaxKlingMessageBytes).
// RESOURCE_EXHAUSTED and UNAVAILABLE also carry a google.rpc.RetryInfo when a
// delay is known: `retry_after` (negative read as 0), else 1 s for 1302/1303
// (Kling's advice); none otherwise. The message reads e.g.
// "upstream rejected the request: <message> (Kling code 1201, HTTP 400,
// request_id abc)". Never returns OK.
absl::Status UpstreamErrorToStatus(const UpstreamError& error);

// The UpstreamError that UpstreamErrorToStatus built `status` from, carried
// in the status as a payload of the gateway's own (not a google.rpc detail:
// callers never see it): http_status, code and retry_after as given;
// message and request_id as the ErrorInfo holds them (valid UTF-8, at most
// kMaxKlingMessageBytes and 128 bytes); retry_after to the nanosecond.
// nullopt for any status that UpstreamErrorToStatus did not build (OK, a
// transport failure, a status with only a look-alike ErrorInfo).
std::optional<UpstreamError> UpstreamErrorOf(const absl::Status& status);

// True when the upstream refused a create because its `external_task_id`
// already exists: code 1200/1201 and a message that names the external task
// id (any spelling: external_task_id, "external task id", externalTaskId)
// together with a duplicate/already-exists wording (English, or Chinese
// 重复 / 已存在 / 已被使用), case-insensitively. Kling does not document the
// wording, so this is a heuristic: a miss leaves the INVALID_ARGUMENT as is;
// a false hit only makes the gateway look the task up by its id.
bool IsDuplicateExternalTaskId(const UpstreamError& error);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_KLING_ERROR_H_

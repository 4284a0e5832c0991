#include "service/translate/kling_error.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/translate/error_reasons.h"
#include "service/translate/text_excerpt.h"

namespace lipsync::translate {
namespace {

using absl::StatusCode;

struct Row {
  int64_t first_code;
  int64_t last_code;
  StatusCode status_code;
  absl::string_view reason;
  // Start of the status message, before Kling's own message.
  absl::string_view summary;
  // Kling advises waiting ≥ 1 s before retrying these.
  bool retry_after_one_second;
};

// docs/errors.md explains every row.
constexpr Row kRows[] = {
    {1000, 1004, StatusCode::kInternal, kReasonAuthenticationFailed,
     "upstream rejected the gateway's credentials (gateway configuration)",
     false},
    {1100, 1102, StatusCode::kFailedPrecondition, kReasonAccountUnavailable,
     "upstream account unavailable (account exception, arrears or resource "
     "pack used up)",
     false},
    {1103, 1103, StatusCode::kPermissionDenied, kReasonPermissionDenied,
     "upstream denied access to this resource or API", false},
    {1200, 1201, StatusCode::kInvalidArgument, kReasonInvalidRequest,
     "upstream rejected the request", false},
    {1202, 1202, StatusCode::kInternal, kReasonInvalidMethod,
     "upstream rejected the gateway's method (gateway bug)", false},
    {1203, 1203, StatusCode::kNotFound, kReasonResourceNotFound,
     "upstream resource not found", false},
    {1300, 1301, StatusCode::kFailedPrecondition, kReasonContentPolicy,
     "upstream content policy refused the request", false},
    {1302, 1302, StatusCode::kResourceExhausted, kReasonRateLimited,
     "upstream rate limit exceeded", true},
    {1303, 1303, StatusCode::kResourceExhausted, kReasonConcurrencyLimit,
     "upstream concurrency limit reached (wait for a running task to finish)",
     true},
    {1304, 1304, StatusCode::kPermissionDenied, kReasonIpNotAllowed,
     "upstream IP allow-list refused the gateway", false},
    {5000, 5000, StatusCode::kUnavailable, kReasonInternalError,
     "upstream internal error", false},
    {5001, 5001, StatusCode::kUnavailable, kReasonUnavailable,
     "upstream temporarily unavailable", false},
    {5002, 5002, StatusCode::kUnavailable, kReasonTimeout,
     "upstream internal timeout", false},
};

const Row* FindRow(int64_t code) {
  for (const Row& row : kRows) {
    if (code >= row.first_code && code <= row.last_code) return &row;
  }
  return nullptr;
}

// For codes outside the table: the HTTP status is the only hint left.
StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kInternal;  // the gateway's credentials
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 429:
      return StatusCode::kResourceExhausted;
    default:
      return http_status >= 500 && http_status <= 599 ? StatusCode::kUnavailable
                                                      : StatusCode::kUnknown;
  }
}

// Lower-case ASCII letters and digits plus every non-ASCII byte: spacing,
// underscores and case no longer matter ("External Task ID" →
// "externaltaskid").
std::string Normalize(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      out.push_back(c);
    } else if (absl::ascii_isalnum(c)) {
      out.push_back(absl::ascii_tolower(c));
    }
  }
  return out;
}

bool ContainsAny(absl::string_view text,
                 std::initializer_list<absl::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](absl::string_view n) {
    return absl::StrContains(text, n);
  });
}

// The payload behind UpstreamErrorOf. Not a type.googleapis.com URL, so the
// edge does not turn it into a detail for the caller (server/grpc_status.cc).
constexpr absl::string_view kUpstreamErrorPayload =
    "lipsync-gateway/translate.UpstreamError";

// Varints and length-prefixed strings, in the struct's order; read back only
// in this process, by DecodeUpstreamError.
absl::Cord EncodeUpstreamError(const UpstreamError& error) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteVarint64(static_cast<uint64_t>(int64_t{error.http_status}));
    coded.WriteVarint64(static_cast<uint64_t>(error.code));
    for (const std::string* text : {&error.message, &error.request_id}) {
      coded.WriteVarint32(static_cast<uint32_t>(text->size()));
      coded.WriteString(*text);
    }
    coded.WriteVarint32(error.retry_after.has_value() ? 1 : 0);
    if (error.retry_after.has_value()) {
      coded.WriteVarint64(
          static_cast<uint64_t>(absl::ToInt64Nanoseconds(*error.retry_after)));
    }
  }
  return absl::Cord(std::move(out));
}

std::optional<UpstreamError> DecodeUpstreamError(const absl::Cord& payload) {
  const std::string flat(payload);
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(flat.data()),
      static_cast<int>(flat.size()));
  UpstreamError error;
  uint64_t http_status = 0;
  uint64_t code = 0;
  if (!in.ReadVarint64(&http_status) || !in.ReadVarint64(&code)) {
    return std::nullopt;
  }
  error.http_status = static_cast<int>(static_cast<int64_t>(http_status));
  error.code = static_cast<int64_t>(code);
  for (std::string* text : {&error.message, &error.request_id}) {
    uint32_t size = 0;
    if (!in.ReadVarint32(&size) ||
        !in.ReadString(text, static_cast<int>(size))) {
      return std::nullopt;
    }
  }
  uint32_t has_retry_after = 0;
  if (!in.ReadVarint32(&has_retry_after)) return std::nullopt;
  if (has_retry_after != 0) {
    uint64_t nanos = 0;
    if (!in.ReadVarint64(&nanos)) return std::nullopt;
    error.retry_after = absl::Nanoseconds(static_cast<int64_t>(nanos));
  }
  if (in.CurrentPosition() != static_cast<int>(flat.size())) {
    return std::nullopt;
  }
  return error;
}

}  // namespace

absl::Status UpstreamErrorToStatus(const UpstreamError& error) {
  const Row* row = FindRow(error.code);
  const StatusCode code =
      row ? row->status_code : CodeForHttpStatus(error.http_status);
  const absl::string_view reason = row ? row->reason : kReasonUnknownCode;
  const absl::string_view summary = row ? row->summary : "upstream error";

  const std::string message = Utf8Prefix(error.message, kMaxKlingMessageBytes);
  const std::string request_id = Utf8Prefix(error.request_id, 128);

  std::string text(summary);
  if (!message.empty()) absl::StrAppend(&text, ": ", message);
  absl::StrAppend(&text, " (Kling code ", error.code, ", HTTP ",
                  error.http_status);
  if (!request_id.empty()) absl::StrAppend(&text, ", request_id ", request_id);
  text.push_back(')');

  google::rpc::ErrorInfo info;
  info.set_domain(std::string(kUpstreamErrorDomain));
  info.set_reason(std::string(reason));
  auto& metadata = *info.mutable_metadata();
  metadata["http_status"] = absl::StrCat(error.http_status);
  metadata["kling_code"] = absl::StrCat(error.code);
  if (!request_id.empty()) metadata["kling_request_id"] = request_id;
  if (!message.empty()) metadata["kling_message"] = message;

  absl::Status status = WithErrorInfo(absl::Status(code, text), info);
  if (code == StatusCode::kResourceExhausted ||
      code == StatusCode::kUnavailable) {
    if (error.retry_after.has_value()) {
      status =
          WithRetryDelay(std::move(status),
                         std::max(*error.retry_after, absl::ZeroDuration()));
    } else if (row != nullptr && row->retry_after_one_second) {
      status = WithRetryDelay(std::move(status), absl::Seconds(1));
    }
  }
  UpstreamError carried = error;
  carried.message = message;
  carried.request_id = request_id;
  status.SetPayload(kUpstreamErrorPayload, EncodeUpstreamError(carried));
  return status;
}

std::optional<UpstreamError> UpstreamErrorOf(const absl::Status& status) {
  // absl::optional: Debian's Abseil does not alias it to std::optional.
  const auto payload = status.GetPayload(kUpstreamErrorPayload);
  if (!payload.has_value()) return std::nullopt;
  return DecodeUpstreamError(*payload);
}

bool IsDuplicateExternalTaskId(const UpstreamError& error) {
  if (error.code != 1200 && error.code != 1201) return false;
  const std::string text = Normalize(error.message);
  // "外部任务id": "external task id" in Chinese (after lower-casing "ID").
  if (!ContainsAny(text, {"externaltaskid", "外部任务id"})) return false;
  if (ContainsAny(text,
                  {"duplicat", "repeat", "alreadyexist", "alreadyused",
                   "alreadyinuse", "alreadytaken", "notunique", "mustbeunique",
                   "conflict", "重复", "已存在", "已被使用"})) {
    return true;
  }
  // Bare "exists" ("external_task_id exists"), but not "does not exist(s)".
  return absl::StrContains(text, "exists") &&
         !absl::StrContains(text, "notexist");
}

}  // namespace lipsync::translate

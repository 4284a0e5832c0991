#include "service/translate/envelope.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/translate/bad_answer.h"
#include "service/translate/error_reasons.h"
#include "service/translate/json_fields.h"
#include "service/translate/kling_error.h"
#include "service/translate/text_excerpt.h"

namespace lipsync::translate {
namespace {

using Json = nlohmann::json;

bool IsSuccess(int http_status) {
  return http_status >= 200 && http_status <= 299;
}

// An answer without a usable envelope. A non-2xx status still says what
// happened (a proxy's 502 page, a bare 429): trust it for those.
absl::Status NoEnvelopeError(int http_status, absl::string_view body,
                             absl::string_view problem,
                             std::optional<absl::Duration> retry_after) {
  const std::string excerpt = EscapedExcerpt(body, kMaxBodyExcerptChars);
  absl::StatusCode code = absl::StatusCode::kInternal;
  absl::string_view reason = kReasonBadAnswer;
  if (http_status == 502 || http_status == 503 || http_status == 504) {
    code = absl::StatusCode::kUnavailable;
    reason = kReasonUnavailable;
  } else if (http_status == 429) {
    code = absl::StatusCode::kResourceExhausted;
    reason = kReasonRateLimited;
  }
  if (code == absl::StatusCode::kInternal) {
    return BadAnswerError(absl::StrCat("HTTP ", http_status, ", ", problem),
                          {{"http_status", absl::StrCat(http_status)},
                           {"problem", std::string(problem)},
                           {"body_excerpt", excerpt}});
  }
  google::rpc::ErrorInfo info;
  info.set_domain(std::string(kGatewayErrorDomain));
  info.set_reason(std::string(reason));
  auto& metadata = *info.mutable_metadata();
  metadata["http_status"] = absl::StrCat(http_status);
  metadata["problem"] = std::string(problem);
  metadata["body_excerpt"] = excerpt;
  absl::Status status = WithErrorInfo(
      absl::Status(code,
                   absl::StrCat("upstream answered HTTP ", http_status,
                                " without a Kling envelope (", problem, ")")),
      info);
  if (retry_after.has_value()) {
    status = WithRetryDelay(std::move(status),
                            std::max(*retry_after, absl::ZeroDuration()));
  }
  return status;
}

// Reads `code` as an int64; empty optional when it is not a JSON integer.
std::optional<int64_t> ReadCode(const Json& code) {
  if (code.is_number_unsigned()) {
    const uint64_t u = code.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (code.is_number_integer()) return code.get<int64_t>();
  return std::nullopt;
}

}  // namespace

bool JsonNestsDeeperThan(absl::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

absl::StatusOr<Envelope> ParseEnvelope(
    int http_status, absl::string_view body,
    std::optional<absl::Duration> retry_after) {
  if (body.empty()) {
    return NoEnvelopeError(http_status, body, "empty body", retry_after);
  }
  if (JsonNestsDeeperThan(body, kMaxJsonDepth)) {
    return NoEnvelopeError(
        http_status, body,
        absl::StrCat("JSON nested deeper than ", kMaxJsonDepth, " levels"),
        retry_after);
  }
  // allow_exceptions = false: errors give a discarded value, never a throw.
  Json answer = Json::parse(body.data(), body.data() + body.size(),
                            /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    return NoEnvelopeError(http_status, body, "not JSON", retry_after);
  }
  if (!answer.is_object()) {
    return NoEnvelopeError(
        http_status, body,
        absl::StrCat("JSON ", answer.type_name(), ", not an object"),
        retry_after);
  }
  const auto code_it = answer.find("code");
  const std::optional<int64_t> code =
      code_it == answer.end() ? std::nullopt : ReadCode(*code_it);
  if (!code.has_value()) {
    return NoEnvelopeError(http_status, body, "no integer `code`", retry_after);
  }

  // `message` and `request_id` of an unexpected type are dropped: the code
  // alone decides, and a readable error beats a BAD_ANSWER about a detail.
  const FieldReader fields(answer, "");
  std::string request_id;
  fields.Text("request_id", &request_id).IgnoreError();

  if (*code != 0) {
    UpstreamError error{http_status, *code, "", std::move(request_id),
                        retry_after};
    fields.Text("message", &error.message).IgnoreError();
    return UpstreamErrorToStatus(error);
  }
  if (!IsSuccess(http_status)) {
    return NoEnvelopeError(http_status, body, "`code` 0 with an error status",
                           retry_after);
  }
  Envelope envelope;
  envelope.request_id = std::move(request_id);
  const auto data_it = answer.find("data");
  if (data_it != answer.end()) envelope.data = std::move(*data_it);
  return envelope;
}

}  // namespace lipsync::translate

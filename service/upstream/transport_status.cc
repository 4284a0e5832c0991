#include "service/upstream/transport_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"

namespace lipsync::upstream {
namespace {

constexpr absl::string_view kNotReachedPayload =
    "lipsync-gateway/upstream-not-reached";

absl::Status Make(absl::StatusCode code, absl::string_view reason,
                  absl::string_view what, CURLcode curl_code,
                  absl::string_view error_text) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kGatewayErrorDomain));
  (*info.mutable_metadata())["curl_code"] = absl::StrCat(curl_code);
  const std::string detail = error_text.empty() ? curl_easy_strerror(curl_code)
                                                : std::string(error_text);
  (*info.mutable_metadata())["curl_error"] = detail;
  return WithErrorInfo(absl::Status(code, absl::StrCat(what, ": ", detail)),
                       info);
}

}  // namespace

absl::Status CurlResultToStatus(CURLcode code, absl::string_view error_text,
                                const TransferFacts& facts) {
  if (code == CURLE_OK) return absl::OkStatus();
  absl::Status status;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      status =
          facts.never_connected && !facts.deadline_was_binding
              ? Make(absl::StatusCode::kUnavailable, "UPSTREAM_UNREACHABLE",
                     "upstream connect timed out", code, error_text)
              : Make(absl::StatusCode::kDeadlineExceeded,
                     "UPSTREAM_DEADLINE_EXCEEDED",
                     "upstream did not answer within the call's deadline", code,
                     error_text);
      break;
    case CURLE_WRITE_ERROR:
      status =
          facts.answer_too_large
              ? Make(absl::StatusCode::kInternal, "UPSTREAM_ANSWER_TOO_LARGE",
                     "upstream answer exceeds the gateway's size cap", code,
                     error_text)
              : Make(absl::StatusCode::kInternal, "UPSTREAM_BAD_ANSWER",
                     "could not store the upstream answer", code, error_text);
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      status = absl::CancelledError("call cancelled");
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
      status = Make(
          absl::StatusCode::kInternal, "GATEWAY_TRANSPORT_MISCONFIGURED",
          "gateway could not build the upstream request", code, error_text);
      break;
    default:
      // Refused, DNS, reset, TLS, HTTP/2 framing, empty reply, partial body:
      // the upstream is (for now) unreachable or broke the exchange.
      status = Make(absl::StatusCode::kUnavailable, "UPSTREAM_UNREACHABLE",
                    "upstream unreachable", code, error_text);
      break;
  }
  if (facts.never_connected && code != CURLE_ABORTED_BY_CALLBACK) {
    status.SetPayload(kNotReachedPayload, absl::Cord("1"));
  }
  return status;
}

bool UpstreamNotReached(const absl::Status& status) {
  return status.GetPayload(kNotReachedPayload).has_value();
}

}  // namespace lipsync::upstream

// Upstream failures as the real translation and transport layers build them,
// so the policies are tested against the statuses they will really see.
#ifndef LIPSYNC_TESTS_SUPPORT_TEST_STATUSES_H_
#define LIPSYNC_TESTS_SUPPORT_TEST_STATUSES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/common/status_details.h"
#include "service/translate/envelope.h"
#include "service/translate/kling_error.h"
#include "service/upstream/transport_status.h"

namespace lipsync::testing_util {

// An answer with Kling error `code` (the HTTP status Kling documents for it).
inline absl::Status KlingError(
    int64_t code, int http_status,
    std::optional<absl::Duration> retry_after = std::nullopt) {
  translate::UpstreamError error;
  error.http_status = http_status;
  error.code = code;
  error.message = "test";
  error.request_id = "req-test";
  error.retry_after = retry_after;
  return translate::UpstreamErrorToStatus(error);
}

// An answer without a Kling envelope (a proxy's HTML page).
inline absl::Status ProxyAnswer(int http_status) {
  return translate::ParseEnvelope(http_status, "<html>proxy</html>",
                                  std::nullopt)
      .status();
}

// Connection refused before a byte was sent: provably not reached.
inline absl::Status ConnectionRefused() {
  upstream::TransferFacts facts;
  facts.never_connected = true;
  return upstream::CurlResultToStatus(CURLE_COULDNT_CONNECT, "", facts);
}

// The connection broke after the request was (maybe) sent.
inline absl::Status ResetAfterSend() {
  return upstream::CurlResultToStatus(CURLE_RECV_ERROR, "", {});
}

// The caller's deadline expired while waiting for the answer.
inline absl::Status CallerDeadline() {
  return upstream::CurlResultToStatus(CURLE_OPERATION_TIMEDOUT, "", {});
}

inline std::string ReasonOf(const absl::Status& status) {
  const auto info = GetErrorInfo(status);
  return info ? info->reason() : "";
}

inline std::string KlingCodeOf(const absl::Status& status) {
  const auto info = GetErrorInfo(status);
  if (!info) return "";
  const auto it = info->metadata().find("kling_code");
  return it == info->metadata().end() ? "" : it->second;
}

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_TEST_STATUSES_H_

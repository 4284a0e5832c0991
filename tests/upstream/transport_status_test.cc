// CurlResultToStatus, row by row against docs/errors.md §3 (the gateway and
// the transport) and §5 (what proves that a billed call never left).
#include "service/upstream/transport_status.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"

namespace lipsync::upstream {
namespace {

using Code = absl::StatusCode;

// What the engine knew about the transfer.
TransferFacts Facts(bool never_connected, bool deadline_was_binding = true,
                    bool answer_too_large = false) {
  TransferFacts facts;
  facts.never_connected = never_connected;
  facts.deadline_was_binding = deadline_was_binding;
  facts.answer_too_large = answer_too_large;
  return facts;
}

struct Row {
  std::string name;
  CURLcode curl;
  TransferFacts facts;
  Code code;
  // ErrorInfo reason (domain lipsync-gateway); empty: no ErrorInfo at all.
  std::string reason;
  // UpstreamNotReached: the request provably never left (§5).
  bool not_reached;
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

const std::vector<Row>& Rows() {
  static const auto* rows = new std::vector<Row>{
      // Refused or unresolvable before a byte left: retry-safe even when
      // billed.
      {"ConnectRefusedBeforeSending", CURLE_COULDNT_CONNECT, Facts(true),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", true},
      {"HostNotResolved", CURLE_COULDNT_RESOLVE_HOST, Facts(true),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", true},
      {"ProxyNotResolved", CURLE_COULDNT_RESOLVE_PROXY, Facts(true),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", true},
      // The curl code alone proves nothing: only the engine's facts do.
      {"ConnectFailedWithoutProof", CURLE_COULDNT_CONNECT, Facts(false),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", false},
      // Timeouts: the connect timeout (shorter than the deadline) is an
      // unreachable upstream; the caller's deadline is DEADLINE_EXCEEDED.
      {"ConnectTimeoutShorterThanTheDeadline", CURLE_OPERATION_TIMEDOUT,
       Facts(true, /*deadline_was_binding=*/false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", true},
      {"DeadlineExpiredBeforeConnecting", CURLE_OPERATION_TIMEDOUT,
       Facts(true, /*deadline_was_binding=*/true), Code::kDeadlineExceeded,
       "UPSTREAM_DEADLINE_EXCEEDED", true},
      {"DeadlineExpiredAwaitingTheAnswer", CURLE_OPERATION_TIMEDOUT,
       Facts(false, /*deadline_was_binding=*/true), Code::kDeadlineExceeded,
       "UPSTREAM_DEADLINE_EXCEEDED", false},
      {"TimeoutAfterConnectingIsTheDeadline", CURLE_OPERATION_TIMEDOUT,
       Facts(false, /*deadline_was_binding=*/false), Code::kDeadlineExceeded,
       "UPSTREAM_DEADLINE_EXCEEDED", false},
      // The exchange broke after the request may have left.
      {"SendFailed", CURLE_SEND_ERROR, Facts(false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", false},
      {"ResetWhileReceiving", CURLE_RECV_ERROR, Facts(false),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", false},
      {"EmptyReply", CURLE_GOT_NOTHING, Facts(false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", false},
      {"AnswerCutShort", CURLE_PARTIAL_FILE, Facts(false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", false},
      {"Http2FramingError", CURLE_HTTP2, Facts(false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", false},
      {"Http2StreamReset", CURLE_HTTP2_STREAM, Facts(false), Code::kUnavailable,
       "UPSTREAM_UNREACHABLE", false},
      // TLS: §3 "TLS failure" is UNAVAILABLE / UPSTREAM_UNREACHABLE.
      {"TlsHandshakeFailed", CURLE_SSL_CONNECT_ERROR, Facts(false),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", false},
      {"TlsPeerNotVerified", CURLE_PEER_FAILED_VERIFICATION, Facts(false),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", false},
      {"TlsCaFileUnreadable", CURLE_SSL_CACERT_BADFILE, Facts(true),
       Code::kUnavailable, "UPSTREAM_UNREACHABLE", true},
      // The caller went away: CANCELLED with no reason, and never offered
      // as "not reached" (nobody is left to retry for).
      {"AbortedByCallback", CURLE_ABORTED_BY_CALLBACK, Facts(false),
       Code::kCancelled, "", false},
      {"AbortedBeforeConnecting", CURLE_ABORTED_BY_CALLBACK, Facts(true),
       Code::kCancelled, "", false},
      // The write callback refused the answer.
      {"AnswerOverTheCap", CURLE_WRITE_ERROR,
       Facts(false, true, /*answer_too_large=*/true), Code::kInternal,
       "UPSTREAM_ANSWER_TOO_LARGE", false},
      {"AnswerNotStored", CURLE_WRITE_ERROR, Facts(false), Code::kInternal,
       "UPSTREAM_BAD_ANSWER", false},
      // The gateway built a request libcurl cannot send: its own bug.
      {"UnsupportedProtocol", CURLE_UNSUPPORTED_PROTOCOL, Facts(true),
       Code::kInternal, "GATEWAY_TRANSPORT_MISCONFIGURED", true},
      {"MalformedUrl", CURLE_URL_MALFORMAT, Facts(true), Code::kInternal,
       "GATEWAY_TRANSPORT_MISCONFIGURED", true},
      {"BadOption", CURLE_BAD_FUNCTION_ARGUMENT, Facts(true), Code::kInternal,
       "GATEWAY_TRANSPORT_MISCONFIGURED", true},
      {"OutOfMemory", CURLE_OUT_OF_MEMORY, Facts(false), Code::kInternal,
       "GATEWAY_TRANSPORT_MISCONFIGURED", false},
  };
  return *rows;
}

class CurlResultToStatusTest : public ::testing::TestWithParam<Row> {};

TEST_P(CurlResultToStatusTest, GivesTheDocumentedCodeReasonAndProof) {
  const Row& row = GetParam();
  const absl::Status status =
      CurlResultToStatus(row.curl, "curl said why", row.facts);

  EXPECT_EQ(status.code(), row.code) << status;
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  if (row.reason.empty()) {
    EXPECT_FALSE(info.has_value()) << status;
  } else {
    ASSERT_TRUE(info.has_value()) << status;
    EXPECT_EQ(info->domain(), "lipsync-gateway");
    EXPECT_EQ(info->reason(), row.reason);
    EXPECT_EQ(info->metadata().at("curl_code"),
              std::to_string(static_cast<int>(row.curl)));
    EXPECT_EQ(info->metadata().at("curl_error"), "curl said why");
    EXPECT_THAT(std::string(status.message()),
                ::testing::EndsWith(": curl said why"));
  }
  EXPECT_EQ(UpstreamNotReached(status), row.not_reached) << status;
}

TEST_P(CurlResultToStatusTest, WithoutCurlsTextNamesTheCodeItself) {
  const Row& row = GetParam();
  const absl::Status status = CurlResultToStatus(row.curl, "", row.facts);
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  if (!info.has_value()) return;  // rows without ErrorInfo carry no text
  EXPECT_EQ(info->metadata().at("curl_error"), curl_easy_strerror(row.curl));
}

INSTANTIATE_TEST_SUITE_P(Docs, CurlResultToStatusTest,
                         ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) {
                           return info.param.name;
                         });

TEST(CurlSuccessTest, IsOkWhateverTheFacts) {
  EXPECT_TRUE(CurlResultToStatus(CURLE_OK, "", Facts(true)).ok());
  EXPECT_TRUE(CurlResultToStatus(CURLE_OK, "", Facts(false, false, true)).ok());
}

TEST(UpstreamNotReachedTest, OnlyTheTransportsMarkProvesIt) {
  EXPECT_FALSE(UpstreamNotReached(absl::OkStatus()));
  // Same code and reason, made elsewhere: no proof.
  EXPECT_FALSE(UpstreamNotReached(absl::UnavailableError("upstream down")));
  EXPECT_TRUE(UpstreamNotReached(
      CurlResultToStatus(CURLE_COULDNT_CONNECT, "", Facts(true))));
}

}  // namespace
}  // namespace lipsync::upstream

#include "service/translate/kling_error.h"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/translate/error_reasons.h"
#include "tests/translate/status_testing.h"

namespace lipsync::translate {
namespace {

using ::lipsync::translate::testing::MetadataOf;
using ::lipsync::translate::testing::ReasonOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = absl::StatusCode;

struct Row {
  int http_status;
  int64_t kling_code;
  Code want_code;
  absl::string_view want_reason;
  std::optional<absl::Duration> want_retry;  // with no Retry-After header
};

std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << "HTTP " << row.http_status << " code " << row.kling_code;
}

// Every row of the contract's error table, at the HTTP status it documents,
// then the same codes inside HTTP 200, then unknown codes by HTTP status.
const Row kRows[] = {
    {401, 1000, Code::kInternal, kReasonAuthenticationFailed, std::nullopt},
    {401, 1001, Code::kInternal, kReasonAuthenticationFailed, std::nullopt},
    {401, 1002, Code::kInternal, kReasonAuthenticationFailed, std::nullopt},
    {401, 1003, Code::kInternal, kReasonAuthenticationFailed, std::nullopt},
    {401, 1004, Code::kInternal, kReasonAuthenticationFailed, std::nullopt},
    {429, 1100, Code::kFailedPrecondition, kReasonAccountUnavailable,
     std::nullopt},
    {429, 1101, Code::kFailedPrecondition, kReasonAccountUnavailable,
     std::nullopt},
    {429, 1102, Code::kFailedPrecondition, kReasonAccountUnavailable,
     std::nullopt},
    {403, 1103, Code::kPermissionDenied, kReasonPermissionDenied, std::nullopt},
    {400, 1200, Code::kInvalidArgument, kReasonInvalidRequest, std::nullopt},
    {400, 1201, Code::kInvalidArgument, kReasonInvalidRequest, std::nullopt},
    {404, 1202, Code::kInternal, kReasonInvalidMethod, std::nullopt},
    {404, 1203, Code::kNotFound, kReasonResourceNotFound, std::nullopt},
    {400, 1300, Code::kFailedPrecondition, kReasonContentPolicy, std::nullopt},
    {400, 1301, Code::kFailedPrecondition, kReasonContentPolicy, std::nullopt},
    {429, 1302, Code::kResourceExhausted, kReasonRateLimited, absl::Seconds(1)},
    {429, 1303, Code::kResourceExhausted, kReasonConcurrencyLimit,
     absl::Seconds(1)},
    {429, 1304, Code::kPermissionDenied, kReasonIpNotAllowed, std::nullopt},
    {500, 5000, Code::kUnavailable, kReasonInternalError, std::nullopt},
    {503, 5001, Code::kUnavailable, kReasonUnavailable, std::nullopt},
    {504, 5002, Code::kUnavailable, kReasonTimeout, std::nullopt},
    // The code decides, not the HTTP status.
    {200, 1201, Code::kInvalidArgument, kReasonInvalidRequest, std::nullopt},
    {200, 1303, Code::kResourceExhausted, kReasonConcurrencyLimit,
     absl::Seconds(1)},
    {200, 5001, Code::kUnavailable, kReasonUnavailable, std::nullopt},
    {500, 1203, Code::kNotFound, kReasonResourceNotFound, std::nullopt},
    // Codes outside the table: by HTTP status.
    {400, 1299, Code::kInvalidArgument, kReasonUnknownCode, std::nullopt},
    {401, 1005, Code::kInternal, kReasonUnknownCode, std::nullopt},
    {403, 1105, Code::kPermissionDenied, kReasonUnknownCode, std::nullopt},
    {404, 1204, Code::kNotFound, kReasonUnknownCode, std::nullopt},
    {429, 1305, Code::kResourceExhausted, kReasonUnknownCode, std::nullopt},
    {500, 5003, Code::kUnavailable, kReasonUnknownCode, std::nullopt},
    {502, -1, Code::kUnavailable, kReasonUnknownCode, std::nullopt},
    {599, 9999, Code::kUnavailable, kReasonUnknownCode, std::nullopt},
    {200, 9999, Code::kUnknown, kReasonUnknownCode, std::nullopt},
    {418, 1, Code::kUnknown, kReasonUnknownCode, std::nullopt},
    {0, 42, Code::kUnknown, kReasonUnknownCode, std::nullopt},
};

class ErrorTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(ErrorTableTest, MapsToCodeReasonAndRetryInfo) {
  const Row& row = GetParam();
  const absl::Status s = UpstreamErrorToStatus(
      {row.http_status, row.kling_code, "some message", "req-1", std::nullopt});
  EXPECT_EQ(s.code(), row.want_code) << s;
  auto info = GetErrorInfo(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->domain(), "klingai.com");
  EXPECT_EQ(info->reason(), row.want_reason);
  EXPECT_EQ(info->metadata().at("http_status"),
            std::to_string(row.http_status));
  EXPECT_EQ(info->metadata().at("kling_code"), std::to_string(row.kling_code));
  EXPECT_EQ(info->metadata().at("kling_request_id"), "req-1");
  EXPECT_EQ(info->metadata().at("kling_message"), "some message");
  EXPECT_EQ(GetRetryDelay(s), row.want_retry);
}

INSTANTIATE_TEST_SUITE_P(AllRows, ErrorTableTest, ::testing::ValuesIn(kRows));

TEST(KlingErrorTest, RetryAfterIsHonouredOnRetryableCodes) {
  for (const int64_t code : {1302, 1303, 5000, 5001, 5002, 9999}) {
    const absl::Status s =
        UpstreamErrorToStatus({503, code, "", "", absl::Seconds(7)});
    EXPECT_EQ(GetRetryDelay(s), absl::Seconds(7)) << s;
  }
  // Shorter than Kling's 1 s advice: the header wins (it is more specific).
  EXPECT_EQ(GetRetryDelay(UpstreamErrorToStatus(
                {429, 1302, "", "", absl::Milliseconds(500)})),
            absl::Milliseconds(500));
  EXPECT_EQ(GetRetryDelay(
                UpstreamErrorToStatus({429, 1302, "", "", absl::Seconds(-3)})),
            absl::ZeroDuration());
}

TEST(KlingErrorTest, RetryAfterIsIgnoredOnCodesThatARetryCannotFix) {
  for (const int64_t code : {1000, 1101, 1103, 1201, 1203, 1301, 1304}) {
    const absl::Status s =
        UpstreamErrorToStatus({429, code, "", "", absl::Seconds(7)});
    EXPECT_FALSE(GetRetryDelay(s).has_value()) << s;
  }
}

TEST(KlingErrorTest, MessageNamesEverythingSupportNeeds) {
  const absl::Status s = UpstreamErrorToStatus(
      {400, 1201, "sound_volume is invalid", "abc", std::nullopt});
  EXPECT_EQ(s.message(),
            "upstream rejected the request: sound_volume is invalid "
            "(Kling code 1201, HTTP 400, request_id abc)");
}

TEST(KlingErrorTest, MessageWithoutKlingMessageOrRequestId) {
  const absl::Status s = UpstreamErrorToStatus({503, 5001, "", "", {}});
  EXPECT_EQ(s.message(),
            "upstream temporarily unavailable (Kling code 5001, HTTP 503)");
  EXPECT_EQ(MetadataOf(s, "kling_request_id"), "");
  EXPECT_EQ(MetadataOf(s, "kling_message"), "");
  EXPECT_EQ(ReasonOf(s), kReasonUnavailable);
}

TEST(KlingErrorTest, LongAndInvalidMessagesAreBoundedValidUtf8) {
  std::string message(1000, 'x');
  message[10] = '\xFF';  // invalid UTF-8 would make the detail unparseable
  const absl::Status s =
      UpstreamErrorToStatus({400, 1201, message, "r", std::nullopt});
  const std::string kept = MetadataOf(s, "kling_message");  // parsed back
  EXPECT_LE(kept.size(), kMaxKlingMessageBytes);
  EXPECT_THAT(kept, ::testing::StartsWith("xxxxxxxxxx\xEF\xBF\xBDxx"));
  EXPECT_THAT(kept, ::testing::EndsWith("..."));
  EXPECT_LT(s.message().size(), 400u);
}

TEST(KlingErrorTest, NeverOk) {
  EXPECT_FALSE(UpstreamErrorToStatus({200, 0, "", "", {}}).ok());
}

TEST(UpstreamErrorOfTest, GivesBackTheErrorTheStatusWasBuiltFrom) {
  const UpstreamError error{429, 1303, "too many tasks", "req-9",
                            absl::Milliseconds(1500)};
  const std::optional<UpstreamError> got =
      UpstreamErrorOf(UpstreamErrorToStatus(error));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->http_status, 429);
  EXPECT_EQ(got->code, 1303);
  EXPECT_EQ(got->message, "too many tasks");
  EXPECT_EQ(got->request_id, "req-9");
  EXPECT_EQ(got->retry_after, absl::Milliseconds(1500));
}

TEST(UpstreamErrorOfTest, KeepsUnusualValuesAndAnAbsentRetryAfter) {
  const UpstreamError error{-1, int64_t{1} << 40, "", "", std::nullopt};
  const std::optional<UpstreamError> got =
      UpstreamErrorOf(UpstreamErrorToStatus(error));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->http_status, -1);
  EXPECT_EQ(got->code, int64_t{1} << 40);
  EXPECT_EQ(got->message, "");
  EXPECT_EQ(got->request_id, "");
  EXPECT_FALSE(got->retry_after.has_value());
  EXPECT_EQ(UpstreamErrorOf(
                UpstreamErrorToStatus({503, 5001, "", "", absl::Seconds(-3)}))
                ->retry_after,
            absl::Seconds(-3));
}

// What the ErrorInfo shows, so a decision on the typed error sees what the
// caller sees.
TEST(UpstreamErrorOfTest, TextIsBoundedAsInTheErrorInfo) {
  std::string message(1000, 'x');
  message[10] = '\xFF';
  const absl::Status s = UpstreamErrorToStatus(
      {400, 1201, message, std::string(500, 'r'), std::nullopt});
  const std::optional<UpstreamError> got = UpstreamErrorOf(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->message, MetadataOf(s, "kling_message"));
  EXPECT_EQ(got->request_id, MetadataOf(s, "kling_request_id"));
  EXPECT_LE(got->request_id.size(), 128u);
}

TEST(UpstreamErrorOfTest, NoneForStatusesTheTranslationDidNotBuild) {
  EXPECT_FALSE(UpstreamErrorOf(absl::OkStatus()).has_value());
  EXPECT_FALSE(UpstreamErrorOf(absl::InvalidArgumentError("x")).has_value());
  // The same ErrorInfo, without the typed payload: not an upstream error.
  const absl::Status built =
      UpstreamErrorToStatus({400, 1201, "duplicate external_task_id", "", {}});
  const absl::Status look_alike = WithErrorInfo(
      absl::InvalidArgumentError(built.message()), *GetErrorInfo(built));
  EXPECT_FALSE(UpstreamErrorOf(look_alike).has_value());
}

// The typed error is internal: the edge passes on only type.googleapis.com
// payloads (server/grpc_status.cc), and those are ErrorInfo and RetryInfo.
TEST(UpstreamErrorOfTest, CallersSeeOnlyTheGoogleRpcDetails) {
  const absl::Status s =
      UpstreamErrorToStatus({429, 1302, "slow down", "r", absl::Seconds(2)});
  std::vector<std::string> details;
  s.ForEachPayload([&](absl::string_view url, const absl::Cord&) {
    if (absl::StartsWith(url, "type.googleapis.com/")) {
      details.emplace_back(url);
    }
  });
  EXPECT_THAT(details,
              ::testing::UnorderedElementsAre(std::string(kErrorInfoTypeUrl),
                                              std::string(kRetryInfoTypeUrl)));
  EXPECT_TRUE(UpstreamErrorOf(s).has_value());
}

struct DuplicateCase {
  int64_t code;
  const char* message;
  bool want;
};

class DuplicateTest : public ::testing::TestWithParam<DuplicateCase> {};

TEST_P(DuplicateTest, RecognisesDuplicateExternalTaskIds) {
  const DuplicateCase& c = GetParam();
  EXPECT_EQ(IsDuplicateExternalTaskId({400, c.code, c.message, "", {}}), c.want)
      << c.code << " " << c.message;
}

INSTANTIATE_TEST_SUITE_P(
    Messages, DuplicateTest,
    ::testing::Values(
        DuplicateCase{1201, "duplicate external_task_id", true},
        DuplicateCase{1201, "external_task_id already exists", true},
        DuplicateCase{1200, "External Task ID already exists", true},
        DuplicateCase{1201, "Duplicated externalTaskId: my-1", true},
        DuplicateCase{1201, "external_task_id is repeated", true},
        DuplicateCase{1201, "external_task_id must be unique", true},
        DuplicateCase{1201, "the external_task_id exists", true},
        DuplicateCase{1201, "external_task_id已存在", true},
        DuplicateCase{1201, "外部任务ID重复", true},
        DuplicateCase{1201, "external_task_id is too long", false},
        DuplicateCase{1201, "external_task_id does not exists", false},
        DuplicateCase{1201, "duplicate face_id", false},
        DuplicateCase{1201, "", false},
        DuplicateCase{1203, "external_task_id already exists", false},
        DuplicateCase{1303, "duplicate external_task_id", false},
        DuplicateCase{5000, "duplicate external_task_id", false}));

}  // namespace
}  // namespace lipsync::translate

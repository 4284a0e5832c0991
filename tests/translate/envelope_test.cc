#include "service/translate/envelope.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/translate/error_reasons.h"
#include "tests/translate/status_testing.h"

namespace lipsync::translate {
namespace {

using ::lipsync::translate::testing::MetadataOf;
using ::lipsync::translate::testing::ReasonOf;
using ::lipsync::translate::testing::StatusIs;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

absl::StatusOr<Envelope> Parse(int http_status, absl::string_view body) {
  return ParseEnvelope(http_status, body, std::nullopt);
}

void ExpectBadAnswer(const absl::StatusOr<Envelope>& got, int http_status) {
  EXPECT_THAT(got, StatusIs(Code::kInternal));
  auto info = GetErrorInfo(got.status());
  ASSERT_TRUE(info.has_value()) << got.status();
  EXPECT_EQ(info->domain(), "lipsync-gateway");
  EXPECT_EQ(info->reason(), kReasonBadAnswer);
  EXPECT_EQ(info->metadata().at("http_status"), std::to_string(http_status));
  EXPECT_LE(info->metadata().at("body_excerpt").size(), kMaxBodyExcerptChars);
}

TEST(EnvelopeTest, SuccessGivesRequestIdAndData) {
  auto got = Parse(200, R"({"code":0,"message":"SUCCEED","request_id":"r-1",)"
                        R"("data":{"task_id":"123"}})");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->request_id, "r-1");
  EXPECT_EQ(got->data["task_id"], "123");
}

TEST(EnvelopeTest, SuccessWithNullEmptyOrMissingData) {
  for (const char* body : {R"({"code":0,"data":null})",
                           R"({"code":0,"data":{}})", R"({"code":0})"}) {
    auto got = Parse(200, body);
    ASSERT_TRUE(got.ok()) << body << ": " << got.status();
    EXPECT_TRUE(got->data.is_null() || got->data.empty()) << body;
    EXPECT_EQ(got->request_id, "");
  }
  EXPECT_TRUE(Parse(201, R"({"code":0})").ok());
}

TEST(EnvelopeTest, NumericRequestIdBecomesText) {
  auto got = Parse(200, R"({"code":0,"request_id":825465778199224380})");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->request_id, "825465778199224380");
}

TEST(EnvelopeTest, NonZeroCodeIsAnErrorEvenWithHttp200) {
  auto got = Parse(200, R"({"code":1201,"message":"bad volume",)"
                        R"("request_id":"r-2","data":null})");
  EXPECT_THAT(got, StatusIs(Code::kInvalidArgument));
  EXPECT_EQ(ReasonOf(got.status()), kReasonInvalidRequest);
  EXPECT_EQ(MetadataOf(got.status(), "kling_request_id"), "r-2");
  EXPECT_EQ(MetadataOf(got.status(), "http_status"), "200");
  EXPECT_THAT(got.status().message(), HasSubstr("bad volume"));
}

TEST(EnvelopeTest, ErrorEnvelopeUsesTheKlingTableAndRetryAfter) {
  auto got =
      ParseEnvelope(429, R"({"code":1303,"message":"busy"})", absl::Seconds(4));
  EXPECT_THAT(got, StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(ReasonOf(got.status()), kReasonConcurrencyLimit);
  EXPECT_EQ(GetRetryDelay(got.status()), absl::Seconds(4));
}

TEST(EnvelopeTest, ErrorEnvelopeWithOddlyTypedFieldsIsStillClassified) {
  auto got = Parse(401, R"({"code":1004,"message":{"x":1},"request_id":[1]})");
  EXPECT_THAT(got, StatusIs(Code::kInternal));
  EXPECT_EQ(ReasonOf(got.status()), kReasonAuthenticationFailed);
}

TEST(EnvelopeTest, UnreadableBodiesWithHttp200AreBadAnswers) {
  for (const char* body :
       {"", "{}", "[]", "null", "42", "\"code\"", R"({"code":0,"data":)",
        R"({"code":0,,})", R"({code:0})", R"({"code":"0"})", R"({"code":0.5})",
        R"({"code":1e3})", R"({"code":null})", R"({"code":true})",
        R"({"code":18446744073709551615})",
        "{\"code\":0,\"message\":\"\xFF\"}"}) {
    SCOPED_TRACE(body);
    ExpectBadAnswer(Parse(200, body), 200);
  }
}

TEST(EnvelopeTest, NumberOverflowIsABadAnswerNotAnException) {
  ExpectBadAnswer(Parse(200, R"({"code":0,"data":{"created_at":1e400}})"), 200);
  auto got = Parse(200, R"({"code":0,"data":{"id":123456789012345678901234}})");
  ASSERT_TRUE(got.ok()) << got.status();  // read as a double, not an error
}

TEST(EnvelopeTest, DeepNestingIsRefusedWithoutParsing) {
  const std::string deep(100000, '[');
  ExpectBadAnswer(Parse(200, deep), 200);
  const std::string deep_objects =
      std::string(R"({"code":0,"data":)") + std::string(100000, '{');
  ExpectBadAnswer(Parse(200, deep_objects), 200);
  EXPECT_THAT(Parse(200, deep).status().message(), HasSubstr("nested deeper"));
}

TEST(EnvelopeTest, NestingLimitCountsOnlyStructure) {
  std::string ok_depth(kMaxJsonDepth - 1, '[');
  ok_depth = R"({"code":0,"data":)" + ok_depth +
             std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_TRUE(Parse(200, ok_depth).ok());
  // Brackets inside strings, escaped quotes included, are text.
  const std::string in_string = R"({"code":0,"message":"\"[[[[)" +
                                std::string(1000, '[') + R"(","data":{}})";
  EXPECT_TRUE(Parse(200, in_string).ok());
  EXPECT_FALSE(JsonNestsDeeperThan(std::string(64, '['), 64));
  EXPECT_TRUE(JsonNestsDeeperThan(std::string(65, '['), 64));
  EXPECT_FALSE(JsonNestsDeeperThan(R"("\"[]")", 0));  // escaped quote
  EXPECT_TRUE(JsonNestsDeeperThan(R"("\\"[])", 0));   // escaped backslash
}

TEST(EnvelopeTest, ProxyErrorPagesAreClassifiedByHttpStatus) {
  const std::string html =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>"
      "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
      "</body>\r\n</html>\r\n" +
      std::string(5000, ' ');
  for (const int http_status : {502, 503, 504}) {
    auto got = ParseEnvelope(http_status, html, std::nullopt);
    EXPECT_THAT(got, StatusIs(Code::kUnavailable));
    auto info = GetErrorInfo(got.status());
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->domain(), "lipsync-gateway");
    EXPECT_EQ(info->reason(), kReasonUnavailable);
    EXPECT_THAT(info->metadata().at("body_excerpt"),
                HasSubstr("<html>\\r\\n<head><title>502 Bad Gateway"));
    EXPECT_LE(info->metadata().at("body_excerpt").size(), kMaxBodyExcerptChars);
    EXPECT_FALSE(GetRetryDelay(got.status()).has_value());
  }
  auto got = ParseEnvelope(503, "", absl::Seconds(30));
  EXPECT_THAT(got, StatusIs(Code::kUnavailable));
  EXPECT_EQ(GetRetryDelay(got.status()), absl::Seconds(30));
}

TEST(EnvelopeTest, BareTooManyRequestsIsResourceExhausted) {
  auto got = ParseEnvelope(429, "Too Many Requests", absl::Seconds(2));
  EXPECT_THAT(got, StatusIs(Code::kResourceExhausted));
  EXPECT_EQ(ReasonOf(got.status()), kReasonRateLimited);
  EXPECT_EQ(GetRetryDelay(got.status()), absl::Seconds(2));
}

TEST(EnvelopeTest, OtherErrorStatusesWithoutEnvelopeAreBadAnswers) {
  for (const int http_status : {400, 401, 404, 500, 301, 100}) {
    SCOPED_TRACE(http_status);
    ExpectBadAnswer(Parse(http_status, "<html>oops</html>"), http_status);
  }
  // A JSON error of some other shape (no `code`).
  ExpectBadAnswer(Parse(404, R"({"error":"not found"})"), 404);
}

TEST(EnvelopeTest, CodeZeroWithAnErrorStatusIsNotASuccess) {
  ExpectBadAnswer(Parse(500, R"({"code":0,"data":{}})"), 500);
  EXPECT_THAT(Parse(503, R"({"code":0})"), StatusIs(Code::kUnavailable));
}

TEST(EnvelopeTest, ExcerptEscapesControlAndBinaryBytes) {
  auto got = Parse(200, std::string("\x01\x02\xFFnot json\n", 12));
  EXPECT_EQ(MetadataOf(got.status(), "body_excerpt"),
            "\\x01\\x02\\xFFnot json\\n");
}

}  // namespace
}  // namespace lipsync::translate

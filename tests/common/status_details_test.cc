#include "service/common/status_details.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync {
namespace {

using ::testing::HasSubstr;

TEST(StatusDetailsTest, InvalidRequestErrorCarriesEveryViolation) {
  absl::Status s = InvalidRequestError(
      {{"session_id", "is required"},
       {"face_choose[0].sound_end_time", "must be at least 2000 ms"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("2 problems"));
  EXPECT_THAT(s.message(), HasSubstr("face_choose[0].sound_end_time"));
  auto bad = GetBadRequest(s);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 2);
  EXPECT_EQ(bad->field_violations(0).field(), "session_id");
  EXPECT_EQ(bad->field_violations(1).description(), "must be at least 2000 ms");
}

TEST(StatusDetailsTest, ErrorInfoAndRetryDelayRoundTrip) {
  google::rpc::ErrorInfo info;
  info.set_reason("KLING_RATE_LIMITED");
  info.set_domain(std::string(kUpstreamErrorDomain));
  (*info.mutable_metadata())["kling_code"] = "1302";
  absl::Status s = WithRetryDelay(
      WithErrorInfo(absl::ResourceExhaustedError("slow down"), info),
      absl::Milliseconds(1500));
  auto got = GetErrorInfo(s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->reason(), "KLING_RATE_LIMITED");
  EXPECT_EQ(got->metadata().at("kling_code"), "1302");
  EXPECT_EQ(GetRetryDelay(s), absl::Milliseconds(1500));
}

TEST(StatusDetailsTest, OkStatusStaysOk) {
  EXPECT_TRUE(WithErrorInfo(absl::OkStatus(), {}).ok());
  EXPECT_FALSE(GetErrorInfo(absl::OkStatus()).has_value());
}

}  // namespace
}  // namespace lipsync

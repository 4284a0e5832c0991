// The access line's fields and their order, for every call kind.
#include "service/server/access_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"

namespace lipsync::server {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(AccessLogFieldsTest, OkCallHasTheCommonFieldsThenItsOwnInOrder) {
  AccessLogEntry entry;
  entry.method = "CreateLipSyncTask";
  entry.status = absl::OkStatus();
  entry.elapsed = absl::Microseconds(12345);
  entry.peer = "ipv4:127.0.0.1:50000";
  entry.call_fields = {
      {"caller", "alice"}, {"task_id", "t-1"}, {"kling_request_id", "r-1"}};
  EXPECT_THAT(
      AccessLogFields(std::move(entry)),
      ElementsAre(Pair("method", "CreateLipSyncTask"), Pair("code", "OK"),
                  Pair("duration_ms", "12.345"),
                  Pair("peer", "ipv4:127.0.0.1:50000"), Pair("caller", "alice"),
                  Pair("task_id", "t-1"), Pair("kling_request_id", "r-1")));
}

TEST(AccessLogFieldsTest, FailedCallEndsWithErrorReasonAndUpstreamRequestId) {
  google::rpc::ErrorInfo info;
  info.set_reason("UPSTREAM_RATE_LIMITED");
  info.set_domain("klingai.com");
  (*info.mutable_metadata())["kling_request_id"] = "r-9";
  AccessLogEntry entry;
  entry.method = "GetLipSyncTask";
  entry.status = WithErrorInfo(absl::ResourceExhaustedError("slow down"), info);
  entry.elapsed = absl::Milliseconds(2);
  entry.peer = "ipv6:[::1]:1234";
  entry.call_fields = {{"caller", "bob"}};
  EXPECT_THAT(
      AccessLogFields(std::move(entry)),
      ElementsAre(Pair("method", "GetLipSyncTask"),
                  Pair("code", "RESOURCE_EXHAUSTED"),
                  Pair("duration_ms", "2.000"), Pair("peer", "ipv6:[::1]:1234"),
                  Pair("caller", "bob"), Pair("error", "slow down"),
                  Pair("reason", "UPSTREAM_RATE_LIMITED"),
                  Pair("kling_request_id", "r-9")));
}

TEST(AccessLogFieldsTest, FailureWithoutErrorInfoHasOnlyTheError) {
  AccessLogEntry entry;
  entry.method = "WatchLipSyncTask";
  entry.status = absl::UnauthenticatedError("missing or invalid bearer token");
  entry.peer = "ipv4:10.0.0.1:4000";
  entry.call_fields = {{"task_id", "t-2"}};
  EXPECT_THAT(
      AccessLogFields(std::move(entry)),
      ElementsAre(Pair("method", "WatchLipSyncTask"),
                  Pair("code", "UNAUTHENTICATED"), Pair("duration_ms", "0.000"),
                  Pair("peer", "ipv4:10.0.0.1:4000"), Pair("task_id", "t-2"),
                  Pair("error", "missing or invalid bearer token")));
}

TEST(AccessLogFieldsTest, ErrorInfoWithoutUpstreamRequestIdAddsOnlyTheReason) {
  google::rpc::ErrorInfo info;
  info.set_reason("GATEWAY_OVERLOADED");
  info.set_domain("lipsync-gateway");
  AccessLogEntry entry;
  entry.method = "IdentifyFace";
  entry.status = WithErrorInfo(absl::ResourceExhaustedError("full"), info);
  entry.peer = "p";
  EXPECT_THAT(
      AccessLogFields(std::move(entry)),
      ElementsAre(Pair("method", "IdentifyFace"),
                  Pair("code", "RESOURCE_EXHAUSTED"),
                  Pair("duration_ms", "0.000"), Pair("peer", "p"),
                  Pair("error", "full"), Pair("reason", "GATEWAY_OVERLOADED")));
}

TEST(AccessLogFieldsTest, TraceIdAndCallerRequestIdFollowThePeer) {
  AccessLogEntry entry;
  entry.method = "GetLipSyncTask";
  entry.status = absl::OkStatus();
  entry.peer = "p";
  entry.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  entry.x_request_id = "caller-7";
  entry.call_fields = {{"caller", "alice"}};
  EXPECT_THAT(
      AccessLogFields(std::move(entry)),
      ElementsAre(Pair("method", "GetLipSyncTask"), Pair("code", "OK"),
                  Pair("duration_ms", "0.000"), Pair("peer", "p"),
                  Pair("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
                  Pair("x_request_id", "caller-7"), Pair("caller", "alice")));
}

// What WriteAccessLog prints for a call that ended with `status`.
std::string WrittenLine(const absl::Status& status) {
  AccessLogEntry entry;
  entry.method = "GetLipSyncTask";
  entry.status = status;
  ::testing::internal::CaptureStderr();
  WriteAccessLog(std::move(entry));
  return ::testing::internal::GetCapturedStderr();
}

TEST(WriteAccessLogTest, WarningLevelKeepsOnlyTheFailedCalls) {
  SetLogLevel(LogLevel::kWarning);
  EXPECT_FALSE(AccessLogEnabled(absl::OkStatus()));
  EXPECT_EQ(WrittenLine(absl::OkStatus()), "");
  EXPECT_TRUE(AccessLogEnabled(absl::NotFoundError("no such task")));
  EXPECT_THAT(WrittenLine(absl::NotFoundError("no such task")),
              ::testing::HasSubstr(R"("code":"NOT_FOUND")"));

  SetLogLevel(LogLevel::kError);
  EXPECT_FALSE(AccessLogEnabled(absl::NotFoundError("no such task")));
  EXPECT_EQ(WrittenLine(absl::NotFoundError("no such task")), "");

  SetLogLevel(LogLevel::kInfo);
  EXPECT_TRUE(AccessLogEnabled(absl::OkStatus()));
  EXPECT_THAT(WrittenLine(absl::OkStatus()),
              ::testing::HasSubstr(R"("code":"OK")"));
}

}  // namespace
}  // namespace lipsync::server

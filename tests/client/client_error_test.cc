#include "client/client_error.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "client/lipsync_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/client/fake_lipsync_service.h"

namespace lipsync::client {
namespace {

using ::lipsync::client::testing::StatusWithDetails;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::HasSubstr;
using ::testing::Not;

google::rpc::BadRequest TwoViolations() {
  google::rpc::BadRequest bad_request;
  auto* v = bad_request.add_field_violations();
  v->set_field("face_choose[0].sound_end_time");
  v->set_description("must be ≥ sound_start_time + 2000 (got 1500)");
  v = bad_request.add_field_violations();
  v->set_field("session_id");
  v->set_description("is required");
  return bad_request;
}

google::rpc::ErrorInfo UpstreamRateLimit() {
  google::rpc::ErrorInfo info;
  info.set_reason("RATE_LIMITED");
  info.set_domain(kUpstreamErrorDomain);
  (*info.mutable_metadata())[kKlingCodeKey] = "1302";
  (*info.mutable_metadata())[kKlingRequestIdKey] = "CjMkA2dQ7x";
  (*info.mutable_metadata())[kHttpStatusKey] = "429";
  (*info.mutable_metadata())[kKlingMessageKey] = "request rate too high";
  (*info.mutable_metadata())["attempt"] = "1";
  return info;
}

google::rpc::RetryInfo RetryAfter1500Ms() {
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(1);
  info.mutable_retry_delay()->set_nanos(500000000);
  return info;
}

const char kInvalidMessage[] =
    "invalid request (2 problems): face_choose[0].sound_end_time: must be ≥ "
    "sound_start_time + 2000 (got 1500); session_id: is required";

TEST(StatusFromGrpcTest, KeepsCodeMessageAndEveryDetail) {
  const auto bad_request = TwoViolations();
  const auto info = UpstreamRateLimit();
  const auto retry = RetryAfter1500Ms();
  const absl::Status status = StatusFromGrpc(
      StatusWithDetails(grpc::StatusCode::INVALID_ARGUMENT, kInvalidMessage,
                        {&bad_request, &info, &retry}));

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), kInvalidMessage);
  auto payload = status.GetPayload("type.googleapis.com/google.rpc.BadRequest");
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(std::string(*payload)));
  EXPECT_EQ(decoded.field_violations_size(), 2);
  EXPECT_TRUE(status.GetPayload("type.googleapis.com/google.rpc.ErrorInfo")
                  .has_value());
  EXPECT_TRUE(status.GetPayload("type.googleapis.com/google.rpc.RetryInfo")
                  .has_value());
}

TEST(StatusFromGrpcTest, OkStaysOk) {
  EXPECT_TRUE(StatusFromGrpc(grpc::Status::OK).ok());
}

TEST(StatusFromGrpcTest, UnparsableDetailsKeepCodeAndMessage) {
  const absl::Status status = StatusFromGrpc(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "down", "\xff\xff garbage"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "down");
}

TEST(ClientErrorTest, DecodesBadRequestErrorInfoAndRetryInfo) {
  const auto bad_request = TwoViolations();
  const auto info = UpstreamRateLimit();
  const auto retry = RetryAfter1500Ms();
  const ClientError error = ClientErrorFromStatus(StatusFromGrpc(
      StatusWithDetails(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                        {&bad_request, &info, &retry})));

  EXPECT_EQ(error.code, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(error.message, "slow down");
  EXPECT_THAT(
      error.field_violations,
      ElementsAre(FieldsAre("face_choose[0].sound_end_time", HasSubstr("2000")),
                  FieldsAre("session_id", "is required")));
  ASSERT_TRUE(error.error_info.has_value());
  EXPECT_EQ(error.error_info->reason, "RATE_LIMITED");
  EXPECT_TRUE(error.IsUpstreamError());
  EXPECT_EQ(error.Metadata(kKlingRequestIdKey), "CjMkA2dQ7x");
  EXPECT_EQ(error.Metadata("absent"), "");
  EXPECT_EQ(error.retry_delay, absl::Milliseconds(1500));
}

TEST(ClientErrorTest, AcceptsAnyTypeUrlHost) {
  absl::Status status = absl::InvalidArgumentError("bad");
  status.SetPayload("example.com/google.rpc.BadRequest",
                    absl::Cord(TwoViolations().SerializeAsString()));
  // Not a BadRequest: only the name after the last '/' counts.
  status.SetPayload("type.googleapis.com/x.google.rpc.ErrorInfo",
                    absl::Cord(UpstreamRateLimit().SerializeAsString()));
  const ClientError error = ClientErrorFromStatus(status);
  EXPECT_EQ(error.field_violations.size(), 2u);
  EXPECT_FALSE(error.error_info.has_value());
}

TEST(ClientErrorTest, LocalErrorHasNoDetails) {
  const ClientError error =
      ClientErrorFromStatus(absl::NotFoundError("cannot open a.mp3"));
  EXPECT_EQ(error.code, absl::StatusCode::kNotFound);
  EXPECT_TRUE(error.field_violations.empty());
  EXPECT_FALSE(error.error_info.has_value());
  EXPECT_FALSE(error.retry_delay.has_value());
  EXPECT_FALSE(error.IsUpstreamError());
}

TEST(FormatClientErrorTest, ListsEachFieldViolation) {
  const auto bad_request = TwoViolations();
  const std::string text = FormatClientError(StatusFromGrpc(StatusWithDetails(
      grpc::StatusCode::INVALID_ARGUMENT, kInvalidMessage, {&bad_request})));
  EXPECT_EQ(text, absl::StrCat("error: INVALID_ARGUMENT: ", kInvalidMessage,
                               "\n"
                               "  face_choose[0].sound_end_time: must be ≥ "
                               "sound_start_time + 2000 (got 1500)\n"
                               "  session_id: is required"));
}

TEST(FormatClientErrorTest, ShowsUpstreamReasonCodeRequestIdAndRetryDelay) {
  const auto info = UpstreamRateLimit();
  const auto retry = RetryAfter1500Ms();
  const std::string text = FormatClientError(StatusFromGrpc(StatusWithDetails(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      "Kling refused the call: request rate too high", {&info, &retry})));
  EXPECT_EQ(text,
            "error: RESOURCE_EXHAUSTED: Kling refused the call: request rate "
            "too high\n"
            "  reason: RATE_LIMITED (klingai.com)\n"
            "  Kling code: 1302\n"
            "  Kling request id: CjMkA2dQ7x\n"
            "  HTTP status: 429\n"
            "  Kling message: request rate too high\n"
            "  attempt: 1\n"
            "  retry after: 1.5s");
}

TEST(FormatClientErrorTest, GatewayValidationErrorShowsItsReasonOnce) {
  const auto bad_request = TwoViolations();
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_REQUEST");
  info.set_domain("lipsync-gateway");
  (*info.mutable_metadata())["violations"] = "2";
  const std::string text = FormatClientError(StatusFromGrpc(
      StatusWithDetails(grpc::StatusCode::INVALID_ARGUMENT, kInvalidMessage,
                        {&bad_request, &info})));
  EXPECT_EQ(text, absl::StrCat("error: INVALID_ARGUMENT: ", kInvalidMessage,
                               "\n"
                               "  face_choose[0].sound_end_time: must be ≥ "
                               "sound_start_time + 2000 (got 1500)\n"
                               "  session_id: is required\n"
                               "  reason: INVALID_REQUEST (lipsync-gateway)"));
}

TEST(FormatClientErrorTest, LocalErrorIsOneLine) {
  EXPECT_EQ(FormatClientError(absl::DeadlineExceededError("too slow")),
            "error: DEADLINE_EXCEEDED: too slow");
  EXPECT_EQ(FormatClientError(absl::Status(absl::StatusCode::kUnavailable, "")),
            "error: UNAVAILABLE");
}

TEST(FormatClientErrorTest, EscapesControlCharactersFromTheServer) {
  google::rpc::BadRequest bad_request;
  auto* v = bad_request.add_field_violations();
  v->set_field("session_id\n  forged: line");
  v->set_description("\x1b[2Jcleared");
  const std::string text = FormatClientError(StatusFromGrpc(StatusWithDetails(
      grpc::StatusCode::INVALID_ARGUMENT, "bad\rrequest", {&bad_request})));
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_THAT(text, HasSubstr("bad\\x0drequest"));
  EXPECT_THAT(text,
              HasSubstr("session_id\\x0a  forged: line: \\x1b[2Jcleared"));
}

TEST(ClientErrorTraceTest, TraceIdComesFromThePayloadElseTheErrorInfo) {
  const absl::Status plain = WithTraceId(absl::NotFoundError("gone"),
                                         "4bf92f3577b34da6a3ce929d0e0e4736");
  const ClientError from_payload = ClientErrorFromStatus(plain);
  EXPECT_EQ(from_payload.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(FormatClientError(from_payload),
            "error: NOT_FOUND: gone\n  trace id: "
            "4bf92f3577b34da6a3ce929d0e0e4736");

  ClientError with_info;
  with_info.code = absl::StatusCode::kUnavailable;
  with_info.message = "down";
  with_info.error_info =
      ErrorInfo{"UPSTREAM_UNAVAILABLE",
                "klingai.com",
                {{"trace_id", "0af7651916cd43dd8448eb211c80319c"},
                 {"kling_request_id", "r-1"}}};
  // Printed once, last, under its own label.
  EXPECT_EQ(FormatClientError(with_info),
            "error: UNAVAILABLE: down\n  reason: UPSTREAM_UNAVAILABLE "
            "(klingai.com)\n  Kling request id: r-1\n  trace id: "
            "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(WithTraceId(absl::OkStatus(), "x"), absl::OkStatus());
}

TEST(ClientTraceIdTest, ValidatesAndGeneratesW3CTraceIds) {
  EXPECT_TRUE(IsValidTraceId("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(IsValidTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"));
  EXPECT_FALSE(IsValidTraceId(std::string(32, '0')));
  EXPECT_FALSE(IsValidTraceId("4bf92f3577b34da6a3ce929d0e0e473"));
  const std::string a = NewTraceId();
  EXPECT_TRUE(IsValidTraceId(a)) << a;
  EXPECT_NE(NewTraceId(), a);
}

}  // namespace
}  // namespace lipsync::client

// ToGrpcStatus, the one absl -> gRPC status conversion, as a table: one row
// per code / details combination. Each row is checked twice: on the
// function's result, and as a caller of the service sees it when the
// upstream fails with that status (which adds grpc-retry-pushback-ms).
#include "service/server/grpc_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "google/rpc/status.pb.h"
#include "service/common/status_details.h"
#include "tests/server/service_under_test.h"
#include "tests/server/unary_rpcs.h"
#include "tests/support/grpc_details.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/test_statuses.h"

namespace lipsync::server_testing {
namespace {

using ::lipsync::testing::FindDetail;
using ::lipsync::testing::ViolatedFields;
using ::lipsync::testing_util::MockUpstreamClient;
using ::testing::StrictMock;

constexpr char kBadRequest[] = "type.googleapis.com/google.rpc.BadRequest";
constexpr char kErrorInfo[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kRetryInfo[] = "type.googleapis.com/google.rpc.RetryInfo";
constexpr char kDebugInfo[] = "type.googleapis.com/google.rpc.DebugInfo";

struct Row {
  std::string name;
  absl::Status status;
  grpc::StatusCode code;
  std::string message;
  // Type URLs of the google.rpc.Status details; empty: no details trailer.
  std::set<std::string> details;
  // ErrorInfo reason, when there is one.
  std::string reason;
  std::set<std::string> bad_request_fields;
  // RetryInfo delay and grpc-retry-pushback-ms, when there is one.
  std::optional<int64_t> retry_ms;
};

absl::Status WithPayload(absl::Status status, absl::string_view type_url,
                         const std::string& bytes) {
  status.SetPayload(type_url, absl::Cord(bytes));
  return status;
}

google::rpc::ErrorInfo Info(const std::string& reason) {
  google::rpc::ErrorInfo info;
  info.set_reason(reason);
  info.set_domain(std::string(kGatewayErrorDomain));
  (*info.mutable_metadata())["bound"] = "test";
  return info;
}

std::vector<Row> Rows() {
  std::vector<Row> rows = {
      {"ok", absl::OkStatus(), grpc::StatusCode::OK, "", {}, "", {}, {}},
      {"empty message",
       absl::InternalError(""),
       grpc::StatusCode::INTERNAL,
       "",
       {},
       "",
       {},
       {}},
      {"bad request",
       InvalidRequestError({{"session_id", "is required"},
                            {"face_choose[0].face_id", "is required"}}),
       grpc::StatusCode::INVALID_ARGUMENT,
       "",
       {kBadRequest, kErrorInfo},
       "INVALID_REQUEST",
       {"session_id", "face_choose[0].face_id"},
       {}},
      {"error info",
       WithErrorInfo(absl::FailedPreconditionError("account"),
                     Info("UPSTREAM_ACCOUNT_UNAVAILABLE")),
       grpc::StatusCode::FAILED_PRECONDITION,
       "account",
       {kErrorInfo},
       "UPSTREAM_ACCOUNT_UNAVAILABLE",
       {},
       {}},
      {"retry info",
       WithRetryDelay(absl::UnavailableError("down"), absl::Milliseconds(1500)),
       grpc::StatusCode::UNAVAILABLE,
       "down",
       {kRetryInfo},
       "",
       {},
       1500},
      {"error and retry info",
       WithRetryDelay(WithErrorInfo(absl::ResourceExhaustedError("busy"),
                                    Info("GATEWAY_OVERLOADED")),
                      absl::Seconds(2)),
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       "busy",
       {kErrorInfo, kRetryInfo},
       "GATEWAY_OVERLOADED",
       {},
       2000},
      {"Kling rate limit",
       testing_util::KlingError(1302, 429),
       grpc::StatusCode::RESOURCE_EXHAUSTED,
       std::string(testing_util::KlingError(1302, 429).message()),
       {kErrorInfo, kRetryInfo},
       "UPSTREAM_RATE_LIMITED",
       {},
       1000},
      {"internal marker is not a detail",
       WithPayload(absl::UnavailableError("marked"), "lipsync/not-reached",
                   "1"),
       grpc::StatusCode::UNAVAILABLE,
       "marked",
       {},
       "",
       {},
       {}},
      {"internal marker beside ErrorInfo",
       WithPayload(WithErrorInfo(absl::UnavailableError("refused"),
                                 Info("UPSTREAM_UNREACHABLE")),
                   "lipsync/not-reached", "1"),
       grpc::StatusCode::UNAVAILABLE,
       "refused",
       {kErrorInfo},
       "UPSTREAM_UNREACHABLE",
       {},
       {}},
      {"other google.rpc detail passes",
       WithPayload(absl::InternalError("bug"), kDebugInfo, ""),
       grpc::StatusCode::INTERNAL,
       "bug",
       {kDebugInfo},
       "",
       {},
       {}},
  };
  // The bad request row's message lists the violations; take it as built.
  rows[2].message = std::string(rows[2].status.message());
  // Every canonical code keeps its number and message.
  for (int code = 1; code <= 16; ++code) {
    const auto absl_code = static_cast<absl::StatusCode>(code);
    rows.push_back({"plain " + absl::StatusCodeToString(absl_code),
                    absl::Status(absl_code, "boom"),
                    static_cast<grpc::StatusCode>(code),
                    "boom",
                    {},
                    "",
                    {},
                    {}});
  }
  return rows;
}

std::set<std::string> DetailTypes(const grpc::Status& status) {
  std::set<std::string> types;
  google::rpc::Status proto;
  if (proto.ParseFromString(status.error_details())) {
    for (const auto& any : proto.details()) types.insert(any.type_url());
  }
  return types;
}

// What every row promises of a grpc::Status, however it was obtained.
void ExpectRow(const Row& row, const grpc::Status& got) {
  EXPECT_EQ(got.error_code(), row.code);
  EXPECT_EQ(got.error_message(), row.message);
  EXPECT_EQ(DetailTypes(got), row.details);
  if (row.details.empty()) {
    EXPECT_EQ(got.error_details(), "");
  } else {
    google::rpc::Status proto;
    ASSERT_TRUE(proto.ParseFromString(got.error_details()));
    EXPECT_EQ(proto.code(), static_cast<int>(row.code));
    EXPECT_EQ(proto.message(), row.message);
  }
  auto info = FindDetail<google::rpc::ErrorInfo>(got);
  EXPECT_EQ(info ? info->reason() : "", row.reason);
  EXPECT_EQ(ViolatedFields(got), row.bad_request_fields);
  auto retry = FindDetail<google::rpc::RetryInfo>(got);
  ASSERT_EQ(retry.has_value(), row.retry_ms.has_value());
  if (retry) {
    EXPECT_EQ(retry->retry_delay().seconds() * 1000 +
                  retry->retry_delay().nanos() / 1000000,
              *row.retry_ms);
  }
}

TEST(ToGrpcStatusTest, MapsEveryRow) {
  for (const Row& row : Rows()) {
    SCOPED_TRACE(row.name);
    ExpectRow(row, server::ToGrpcStatus(row.status));
  }
}

TEST(ToGrpcStatusTest, CallerSeesEveryRowWithItsPushback) {
  auto upstream = std::make_shared<StrictMock<MockUpstreamClient>>();
  ServiceUnderTest edge(upstream);
  for (const Row& row : Rows()) {
    if (row.status.ok()) continue;  // an upstream failure is never OK
    SCOPED_TRACE(row.name);
    ExpectUpstreamFailure(*upstream, Rpc::kGetLipSyncTask, row.status);
    const RpcResult result = CallValid(edge.stub(), Rpc::kGetLipSyncTask);
    ExpectRow(row, result.status);
    auto pushback = result.trailers.find("grpc-retry-pushback-ms");
    if (row.retry_ms) {
      ASSERT_NE(pushback, result.trailers.end());
      EXPECT_EQ(pushback->second, std::to_string(*row.retry_ms));
    } else {
      EXPECT_EQ(pushback, result.trailers.end());
    }
  }
}

TEST(ToGrpcStatusTest, TraceIdJoinsTheErrorInfoMetadata) {
  constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
  for (const Row& row : Rows()) {
    SCOPED_TRACE(row.name);
    const grpc::Status got = server::ToGrpcStatus(row.status, kTraceId);
    // Nothing else changes: no detail is added or removed.
    ExpectRow(row, got);
    auto info = FindDetail<google::rpc::ErrorInfo>(got);
    if (!info) continue;
    EXPECT_EQ(info->metadata().at("trace_id"), kTraceId);
    if (row.reason == "GATEWAY_OVERLOADED") {
      EXPECT_EQ(info->metadata().at("bound"), "test");
    }
  }
}

TEST(ToGrpcStatusTest, CallerSeesTheTraceIdInErrorInfoAndTrailers) {
  auto upstream = std::make_shared<StrictMock<MockUpstreamClient>>();
  ServiceUnderTest edge(upstream);
  ExpectUpstreamFailure(*upstream, Rpc::kGetLipSyncTask,
                        WithErrorInfo(absl::FailedPreconditionError("account"),
                                      Info("UPSTREAM_ACCOUNT_UNAVAILABLE")));
  const RpcResult result = CallValid(edge.stub(), Rpc::kGetLipSyncTask);
  auto trace = result.trailers.find("trace-id");
  ASSERT_NE(trace, result.trailers.end());
  EXPECT_EQ(trace->second.size(), 32u);
  auto info = FindDetail<google::rpc::ErrorInfo>(result.status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("trace_id"), trace->second);
}

}  // namespace
}  // namespace lipsync::server_testing

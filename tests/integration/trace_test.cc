// W3C trace context end to end, through the real gateway and kling-sim: the
// caller's trace id reaches the access line, the upstream requests (as a
// child traceparent) and the answer's trailing metadata and ErrorInfo; a
// malformed traceparent starts a fresh trace and never fails the call.
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/poll.h"
#include "tests/support/seed_requests.h"
#include "tests/support/shared_gateway_test.h"
#include "tests/support/subprocess.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";

std::string CallerTraceparent(const std::string& trace_id = kTraceId) {
  return absl::StrCat("00-", trace_id, "-", kCallerSpan, "-01");
}

bool IsTraceId(const std::string& s) {
  return s.size() == 32 &&
         s.find_first_not_of("0123456789abcdef") == std::string::npos &&
         s != std::string(32, '0');
}

// The gateway's JSON log lines with "msg" `msg` (and, when given, `method`).
std::vector<nlohmann::json> LogLines(GatewayHarness& harness,
                                     const std::string& msg,
                                     const std::string& method = "") {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line :
       absl::StrSplit(harness.gateway().ReadLog(), '\n')) {
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object() || json.value("msg", "") != msg) continue;
    if (!method.empty() && json.value("method", "") != method) continue;
    lines.push_back(std::move(json));
  }
  return lines;
}

// The access lines that carry `trace_id`.
std::vector<nlohmann::json> RpcLinesOf(GatewayHarness& harness,
                                       const std::string& trace_id) {
  std::vector<nlohmann::json> lines;
  for (auto& line : LogLines(harness, "rpc")) {
    if (line.value("trace_id", "") == trace_id) lines.push_back(line);
  }
  return lines;
}

std::string Trailer(const grpc::ClientContext& context,
                    const std::string& key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(key);
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class TraceTest : public SharedGatewayTest {};

TEST_F(TraceTest, CallersTraceReachesAccessLineUpstreamAndTrailers) {
  auto context = ContextWithTimeout(absl::Seconds(10));
  context->AddMetadata("traceparent", CallerTraceparent());
  context->AddMetadata("tracestate", "congo=t61rcWkgMzE");
  context->AddMetadata("x-request-id", "caller-req-42");
  v1::LipSyncTask task;
  grpc::Status status =
      harness_->stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(Trailer(*context, "trace-id"), kTraceId);
  const std::string gateway_span = Trailer(*context, "traceparent");
  ASSERT_EQ(gateway_span.size(), 55u) << gateway_span;
  EXPECT_EQ(gateway_span.substr(0, 36), absl::StrCat("00-", kTraceId, "-"));
  EXPECT_NE(gateway_span.substr(36, 16), kCallerSpan);
  EXPECT_EQ(gateway_span.substr(52), "-01");

  const nlohmann::json requests = harness_->SimRequests(kLipSyncPath);
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json& headers = requests[0]["headers"];
  const std::string upstream = headers.value("traceparent", "");
  ASSERT_EQ(upstream.size(), 55u) << headers.dump();
  EXPECT_EQ(upstream.substr(0, 36), absl::StrCat("00-", kTraceId, "-"));
  EXPECT_NE(upstream.substr(36, 16), kCallerSpan);
  EXPECT_NE(upstream.substr(36, 16), gateway_span.substr(36, 16));
  EXPECT_EQ(upstream.substr(52), "-01");
  EXPECT_EQ(headers.value("tracestate", ""), "congo=t61rcWkgMzE");
  EXPECT_EQ(headers.value("x-request-id", ""), "caller-req-42");

  const auto lines = RpcLinesOf(*harness_, kTraceId);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value("method", ""), "CreateLipSyncTask");
  EXPECT_EQ(lines[0].value("x_request_id", ""), "caller-req-42");
  EXPECT_EQ(lines[0].value("task_id", ""), task.task_id());
}

TEST_F(TraceTest, WithoutAnyContextTheGatewayStartsATrace) {
  auto context = ContextWithTimeout(absl::Seconds(10));
  v1::ListLipSyncTasksRequest list;
  v1::ListLipSyncTasksResponse response;
  ASSERT_TRUE(
      harness_->stub().ListLipSyncTasks(context.get(), list, &response).ok());
  const std::string trace_id = Trailer(*context, "trace-id");
  ASSERT_TRUE(IsTraceId(trace_id)) << trace_id;
  const nlohmann::json requests = harness_->SimRequests(kLipSyncPath);
  ASSERT_EQ(requests.size(), 1u);
  const nlohmann::json& headers = requests[0]["headers"];
  EXPECT_EQ(headers.value("traceparent", "").substr(3, 32), trace_id);
  EXPECT_EQ(headers.value("traceparent", "").substr(52), "-00");
  // No caller id: the trace id stands in for it.
  EXPECT_EQ(headers.value("x-request-id", ""), trace_id);
  EXPECT_FALSE(headers.contains("tracestate"));
  EXPECT_EQ(RpcLinesOf(*harness_, trace_id).size(), 1u);
}

TEST_F(TraceTest, MalformedTraceparentGetsAFreshTraceAndTheCallSucceeds) {
  const std::map<std::string, std::string> malformed = {
      {"wrong version", absl::StrCat("01-", kTraceId, "-", kCallerSpan, "-01")},
      {"version ff", absl::StrCat("ff-", kTraceId, "-", kCallerSpan, "-01")},
      {"upper case", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"},
      {"all-zero trace id",
       absl::StrCat("00-", std::string(32, '0'), "-", kCallerSpan, "-01")},
      {"all-zero parent id",
       absl::StrCat("00-", kTraceId, "-", std::string(16, '0'), "-01")},
      {"short trace id", absl::StrCat("00-", std::string(kTraceId).substr(1),
                                      "-", kCallerSpan, "-01")},
      {"long parent id",
       absl::StrCat("00-", kTraceId, "-", kCallerSpan, "0-01")},
      {"bad flags", absl::StrCat("00-", kTraceId, "-", kCallerSpan, "-zz")},
      // Under gRPC's 8 KiB metadata limit.
      {"4 KiB", std::string(4096, 'a')},
  };
  for (const auto& [name, value] : malformed) {
    SCOPED_TRACE(name);
    harness_->ClearSimRequests();
    auto context = ContextWithTimeout(absl::Seconds(10));
    context->AddMetadata("traceparent", value);
    context->AddMetadata("tracestate", "congo=t61rcWkgMzE");
    v1::ListLipSyncTasksRequest list;
    v1::ListLipSyncTasksResponse response;
    grpc::Status status =
        harness_->stub().ListLipSyncTasks(context.get(), list, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const std::string trace_id = Trailer(*context, "trace-id");
    EXPECT_TRUE(IsTraceId(trace_id)) << trace_id;
    EXPECT_NE(trace_id, kTraceId);
    const nlohmann::json requests = harness_->SimRequests(kLipSyncPath);
    ASSERT_EQ(requests.size(), 1u);
    const nlohmann::json& headers = requests[0]["headers"];
    EXPECT_EQ(headers.value("traceparent", "").substr(3, 32), trace_id);
    // A restarted trace drops the caller's tracestate (W3C).
    EXPECT_FALSE(headers.contains("tracestate"));
    EXPECT_EQ(RpcLinesOf(*harness_, trace_id).size(), 1u);
  }
}

TEST_F(TraceTest, UpstreamErrorInfoCarriesTheTraceId) {
  auto context = ContextWithTimeout(absl::Seconds(10));
  context->AddMetadata("traceparent", CallerTraceparent());
  v1::GetLipSyncTaskRequest get;
  get.set_task_id("987654321987654321");
  v1::LipSyncTask task;
  grpc::Status status =
      harness_->stub().GetLipSyncTask(context.get(), get, &task);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->domain(), "klingai.com");
  EXPECT_EQ(info->metadata().at("trace_id"), kTraceId);
  EXPECT_FALSE(info->metadata().at("kling_request_id").empty());
  EXPECT_EQ(Trailer(*context, "trace-id"), kTraceId);
  const auto lines = RpcLinesOf(*harness_, kTraceId);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().value("code", ""), "NOT_FOUND");
}

TEST_F(TraceTest, ValidationErrorInfoCarriesTheTraceId) {
  auto context = ContextWithTimeout(absl::Seconds(10));
  const std::string trace_id = "0af7651916cd43dd8448eb211c80319c";
  context->AddMetadata("traceparent", CallerTraceparent(trace_id));
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.clear_session_id();
  v1::LipSyncTask task;
  grpc::Status status =
      harness_->stub().CreateLipSyncTask(context.get(), request, &task);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("trace_id"), trace_id);
  EXPECT_EQ(harness_->SimRequests(kLipSyncPath).size(), 0u);
}

TEST_F(TraceTest, RetriesAreLoggedAndSentUnderTheCallsTrace) {
  v1::LipSyncTask created;
  ASSERT_NO_FATAL_FAILURE(CreateSeedTask(&created));
  const std::string path = FailNextReadOf(created.task_id());
  const std::string trace_id = "11112222333344445555666677778888";
  auto context = ContextWithTimeout(absl::Seconds(10));
  context->AddMetadata("traceparent", CallerTraceparent(trace_id));
  v1::GetLipSyncTaskRequest get;
  get.set_task_id(created.task_id());
  v1::LipSyncTask task;
  ASSERT_TRUE(harness_->stub().GetLipSyncTask(context.get(), get, &task).ok());
  const nlohmann::json requests = harness_->SimRequests(path);
  ASSERT_EQ(requests.size(), 2u);
  const std::string first = requests[0]["headers"].value("traceparent", "");
  const std::string second = requests[1]["headers"].value("traceparent", "");
  EXPECT_EQ(first.substr(3, 32), trace_id);
  EXPECT_EQ(second.substr(3, 32), trace_id);
  EXPECT_NE(first, second);  // each attempt is a span of its own
  bool retry_logged = false;
  for (const auto& line : LogLines(*harness_, "upstream retry")) {
    retry_logged |= line.value("trace_id", "") == trace_id;
  }
  EXPECT_TRUE(retry_logged);
}

TEST_F(TraceTest, WatchStreamSharesOneTraceId) {
  v1::LipSyncTask created;
  ASSERT_NO_FATAL_FAILURE(CreateSeedTask(&created));
  const std::string trace_id = "aaaabbbbccccddddeeeeffff00001111";
  auto context = ContextWithTimeout(absl::Seconds(2));
  context->AddMetadata("traceparent", CallerTraceparent(trace_id));
  v1::WatchLipSyncTaskRequest watch;
  watch.set_task_id(created.task_id());
  auto reader = harness_->stub().WatchLipSyncTask(context.get(), watch);
  v1::LipSyncTask update;
  ASSERT_TRUE(reader->Read(&update));
  context->TryCancel();
  while (reader->Read(&update)) {
  }
  reader->Finish();
  // The stream's polls upstream carry its trace.
  const std::string path = absl::StrCat(kLipSyncPath, "/", created.task_id());
  const nlohmann::json polls = harness_->SimRequests(path);
  ASSERT_FALSE(polls.empty());
  for (const auto& poll : polls) {
    EXPECT_EQ(poll["headers"].value("traceparent", "").substr(3, 32), trace_id);
  }
  // The stream's access line, written when it ends.
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(testing_util::PollUntil([&] {
    lines = RpcLinesOf(*harness_, trace_id);
    return !lines.empty();
  }));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value("method", ""), "WatchLipSyncTask");
  EXPECT_EQ(lines[0].value("task_id", ""), created.task_id());
}

TEST(TraceBreakerTest, TheBreakerTransitionNamesTheCallThatCausedIt) {
  GatewayHarness harness;
  HarnessOptions options;
  options.start_sim = false;
  options.upstream_base_url =
      absl::StrCat("http://127.0.0.1:", UnusedLoopbackPort());
  options.gateway_args = {"--breaker_failure_threshold=2",
                          "--breaker_cool_down=30s", "--retry_max_attempts=1"};
  ASSERT_TRUE(harness.Start(options).ok());
  const std::vector<std::string> traces = {"1111111111111111aaaaaaaaaaaaaaaa",
                                           "2222222222222222bbbbbbbbbbbbbbbb"};
  for (const std::string& trace_id : traces) {
    auto context = ContextWithTimeout(absl::Seconds(10));
    context->AddMetadata("traceparent", CallerTraceparent(trace_id));
    v1::ListLipSyncTasksRequest list;
    v1::ListLipSyncTasksResponse response;
    grpc::Status status =
        harness.stub().ListLipSyncTasks(context.get(), list, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    auto info = FindDetail<google::rpc::ErrorInfo>(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->metadata().at("trace_id"), trace_id);
  }
  // The second failure opened the breaker.
  const auto transitions = LogLines(harness, "circuit breaker");
  ASSERT_EQ(transitions.size(), 1u);
  EXPECT_EQ(transitions[0].value("to", ""), "open");
  EXPECT_EQ(transitions[0].value("trace_id", ""), traces[1]);
}

}  // namespace
}  // namespace lipsync::testing

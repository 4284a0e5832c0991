#include "service/resilience/retry_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/resilience/circuit_breaker.h"
#include "tests/support/test_statuses.h"

namespace lipsync::resilience {
namespace {

using testing_util::CallerDeadline;
using testing_util::ConnectionRefused;
using testing_util::KlingError;
using testing_util::ProxyAnswer;
using testing_util::ResetAfterSend;

absl::Status WithInfo(absl::Status status, absl::string_view domain,
                      absl::string_view reason, absl::string_view kling_code) {
  google::rpc::ErrorInfo info;
  info.set_domain(std::string(domain));
  info.set_reason(std::string(reason));
  if (!kling_code.empty()) {
    (*info.mutable_metadata())["kling_code"] = std::string(kling_code);
  }
  return WithErrorInfo(std::move(status), info);
}

absl::Status CircuitOpen() {
  CircuitBreaker breaker({.failure_threshold = 1}, [] { return absl::Now(); });
  breaker.Record(absl::UnavailableError("down"));
  return breaker.Admit();
}

upstream::TransferFacts Facts(bool never_connected, bool deadline_binding) {
  upstream::TransferFacts facts;
  facts.never_connected = never_connected;
  facts.deadline_was_binding = deadline_binding;
  return facts;
}

struct ClassifierCase {
  const char* name;
  absl::Status (*make)();
  bool read_retries;    // GetTask, ListTasks
  bool billed_retries;  // IdentifyFace, CreateTask
};

const ClassifierCase kCases[] = {
    {"Ok", [] { return absl::OkStatus(); }, false, false},
    // Transient upstream failures: reads only, a billed call may be paid.
    {"Kling5000", [] { return KlingError(5000, 500); }, true, false},
    {"Kling5001", [] { return KlingError(5001, 503); }, true, false},
    {"Kling5002", [] { return KlingError(5002, 504); }, true, false},
    {"Kling5001RetryAfter",
     [] { return KlingError(5001, 503, absl::Seconds(3)); }, true, false},
    {"UnknownCodeHttp502", [] { return KlingError(5999, 502); }, true, false},
    {"Proxy502", [] { return ProxyAnswer(502); }, true, false},
    {"Proxy503", [] { return ProxyAnswer(503); }, true, false},
    {"ResetAfterSend", [] { return ResetAfterSend(); }, true, false},
    {"SendErrorAfterConnect",
     [] {
       return upstream::CurlResultToStatus(CURLE_SEND_ERROR, "",
                                           Facts(false, false));
     },
     true, false},
    {"PlainUnavailable", [] { return absl::UnavailableError("x"); }, true,
     false},
    // Provably never reached: safe for every call.
    {"ConnectionRefused", [] { return ConnectionRefused(); }, true, true},
    {"DnsFailureBeforeConnect",
     [] {
       return upstream::CurlResultToStatus(CURLE_COULDNT_RESOLVE_HOST, "",
                                           Facts(true, false));
     },
     true, true},
    {"ConnectTimeoutBeforeDeadline",
     [] {
       return upstream::CurlResultToStatus(CURLE_OPERATION_TIMEDOUT, "",
                                           Facts(true, false));
     },
     true, true},
    // Not reached, but not transient either.
    {"CallerDeadlineBeforeConnect",
     [] {
       return upstream::CurlResultToStatus(CURLE_OPERATION_TIMEDOUT, "",
                                           Facts(true, true));
     },
     false, false},
    {"MisconfiguredUrl",
     [] {
       return upstream::CurlResultToStatus(CURLE_URL_MALFORMAT, "",
                                           Facts(true, false));
     },
     false, false},
    // The caller's own limits.
    {"CallerDeadline", [] { return CallerDeadline(); }, false, false},
    {"Cancelled",
     [] {
       return upstream::CurlResultToStatus(CURLE_ABORTED_BY_CALLBACK, "",
                                           Facts(false, false));
     },
     false, false},
    // Rate limits: only 1302 (and a proxy's 429) is worth a retry.
    {"Kling1302", [] { return KlingError(1302, 429); }, true, false},
    {"Proxy429", [] { return ProxyAnswer(429); }, true, false},
    {"Kling1303Concurrency", [] { return KlingError(1303, 429); }, false,
     false},
    {"Kling1100", [] { return KlingError(1100, 429); }, false, false},
    {"Kling1101", [] { return KlingError(1101, 429); }, false, false},
    {"Kling1102", [] { return KlingError(1102, 429); }, false, false},
    {"UnknownCodeHttp429", [] { return KlingError(1399, 429); }, false, false},
    {"ResourceExhaustedWithAccountCode",
     [] {
       return WithInfo(absl::ResourceExhaustedError("x"), kUpstreamErrorDomain,
                       "UPSTREAM_ACCOUNT_UNAVAILABLE", "1101");
     },
     false, false},
    {"GatewayOverloaded",
     [] {
       return WithInfo(absl::ResourceExhaustedError("x"), kGatewayErrorDomain,
                       "GATEWAY_OVERLOADED", "");
     },
     false, false},
    // The upstream answered: retrying changes nothing.
    {"Kling1000Auth", [] { return KlingError(1000, 401); }, false, false},
    {"Kling1103Permission", [] { return KlingError(1103, 403); }, false, false},
    {"Kling1200Invalid", [] { return KlingError(1200, 400); }, false, false},
    {"Kling1201Invalid", [] { return KlingError(1201, 400); }, false, false},
    {"Kling1202Method", [] { return KlingError(1202, 404); }, false, false},
    {"Kling1203NotFound", [] { return KlingError(1203, 404); }, false, false},
    {"Kling1300Policy", [] { return KlingError(1300, 400); }, false, false},
    {"Kling1304IpNotAllowed", [] { return KlingError(1304, 429); }, false,
     false},
    {"Proxy500Page", [] { return ProxyAnswer(500); }, false, false},
    {"BadAnswer", [] { return ProxyAnswer(200); }, false, false},
    {"InvalidArgument", [] { return absl::InvalidArgumentError("x"); }, false,
     false},
    {"NotFound", [] { return absl::NotFoundError("x"); }, false, false},
    {"Internal", [] { return absl::InternalError("x"); }, false, false},
    // The breaker exists to fail fast.
    {"CircuitOpen", [] { return CircuitOpen(); }, false, false},
};

constexpr Operation kOperations[] = {
    Operation::kIdentifyFace, Operation::kCreateTask, Operation::kGetTask,
    Operation::kListTasks};

class ClassifyForRetryTest
    : public ::testing::TestWithParam<std::tuple<ClassifierCase, Operation>> {};

TEST_P(ClassifyForRetryTest, MatchesTable) {
  const auto& [c, op] = GetParam();
  const absl::Status status = c.make();
  const RetryDecision decision = ClassifyForRetry(op, status);
  const bool want = IsBilled(op) ? c.billed_retries : c.read_retries;
  EXPECT_EQ(decision.retry, want)
      << OperationName(op) << " on " << status << " (" << decision.why << ")";
  EXPECT_FALSE(decision.why.empty());
}

INSTANTIATE_TEST_SUITE_P(EveryOperationAndFailure, ClassifyForRetryTest,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::ValuesIn(kOperations)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) +
                                  "_" +
                                  std::string(
                                      OperationName(std::get<1>(info.param)));
                         });

TEST(IsBilledTest, OnlyIdentifyFaceAndCreate) {
  EXPECT_TRUE(IsBilled(Operation::kIdentifyFace));
  EXPECT_TRUE(IsBilled(Operation::kCreateTask));
  EXPECT_FALSE(IsBilled(Operation::kGetTask));
  EXPECT_FALSE(IsBilled(Operation::kListTasks));
}

TEST(BackoffDelayTest, FullJitterWithinTheExponentialCap) {
  const RetryOptions options;  // 100 ms × 2^(n-1), capped at 2 s
  const absl::Status failure = absl::UnavailableError("x");
  EXPECT_EQ(BackoffDelay(options, 1, failure, 0.0), absl::ZeroDuration());
  EXPECT_EQ(BackoffDelay(options, 1, failure, 0.5), absl::Milliseconds(50));
  EXPECT_EQ(BackoffDelay(options, 2, failure, 0.5), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(options, 3, failure, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(options, 6, failure, 0.5), absl::Seconds(1));
  EXPECT_LT(BackoffDelay(options, 3, failure, 0.999999),
            absl::Milliseconds(400));
}

TEST(BackoffDelayTest, CapsAtMaxBackoffWithoutOverflow) {
  const RetryOptions options;
  const absl::Status failure = absl::UnavailableError("x");
  EXPECT_EQ(BackoffDelay(options, 10, failure, 0.5), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(options, 100000, failure, 0.5), absl::Seconds(1));
  EXPECT_EQ(BackoffDelay(options, 100000, failure, 1.0), absl::Seconds(2));
}

TEST(BackoffDelayTest, NeverShorterThanTheUpstreamsRetryAfter) {
  const RetryOptions options;
  const absl::Status rate_limited = KlingError(1302, 429);  // RetryInfo 1 s
  EXPECT_EQ(BackoffDelay(options, 1, rate_limited, 0.0), absl::Seconds(1));
  const absl::Status asked = KlingError(5001, 503, absl::Milliseconds(1500));
  EXPECT_EQ(BackoffDelay(options, 1, asked, 0.9), absl::Milliseconds(1500));
  // A longer jittered delay wins over a short Retry-After.
  const absl::Status short_ask = KlingError(5001, 503, absl::Milliseconds(10));
  EXPECT_EQ(BackoffDelay(options, 3, short_ask, 0.5), absl::Milliseconds(200));
}

TEST(BackoffDelayTest, ClampsAnOutOfRangeRandomDraw) {
  const RetryOptions options;
  const absl::Status failure = absl::UnavailableError("x");
  EXPECT_EQ(BackoffDelay(options, 1, failure, -3.0), absl::ZeroDuration());
  EXPECT_EQ(BackoffDelay(options, 1, failure, 7.0), absl::Milliseconds(100));
}

TEST(MakeUniformRandomTest, DrawsInUnitInterval) {
  const UniformRandom random = MakeUniformRandom();
  for (int i = 0; i < 1000; ++i) {
    const double u = random();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(ValidateRetryOptionsTest, AcceptsDefaults) {
  EXPECT_TRUE(ValidateRetryOptions(RetryOptions{}).ok());
}

TEST(ValidateRetryOptionsTest, RejectsEachBadField) {
  const std::vector<std::pair<const char*, void (*)(RetryOptions&)>> bad = {
      {"max_attempts", [](RetryOptions& o) { o.max_attempts = 0; }},
      {"initial_backoff",
       [](RetryOptions& o) { o.initial_backoff = absl::ZeroDuration(); }},
      {"max_backoff",
       [](RetryOptions& o) { o.max_backoff = absl::Milliseconds(10); }},
      {"multiplier", [](RetryOptions& o) { o.multiplier = 0.5; }},
      {"budget_ratio", [](RetryOptions& o) { o.budget_ratio = -1; }},
      {"budget_min_retries_per_window",
       [](RetryOptions& o) { o.budget_min_retries_per_window = -1; }},
      {"budget_window",
       [](RetryOptions& o) { o.budget_window = absl::Milliseconds(10); }},
      {"deadline_margin",
       [](RetryOptions& o) { o.deadline_margin = absl::Seconds(-1); }},
  };
  for (const auto& [field, spoil] : bad) {
    RetryOptions options;
    spoil(options);
    const absl::Status status = ValidateRetryOptions(options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(field));
  }
}

}  // namespace
}  // namespace lipsync::resilience

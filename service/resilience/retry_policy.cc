#include "service/resilience/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/resilience/error_reasons.h"
#include "service/translate/error_reasons.h"
#include "service/upstream/transport_status.h"

namespace lipsync::resilience {
namespace {

// Kling's "request rate too high": the only RESOURCE_EXHAUSTED a read retries.
constexpr absl::string_view kKlingRateLimitCode = "1302";

bool HasReason(const std::optional<google::rpc::ErrorInfo>& info,
               absl::string_view domain, absl::string_view reason) {
  return info.has_value() && info->domain() == domain &&
         info->reason() == reason;
}

RetryDecision ClassifyRead(const absl::Status& status) {
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (HasReason(info, kGatewayErrorDomain, kReasonCircuitOpen)) {
        // Retrying into an open breaker would only queue a herd of attempts
        // behind its single half-open probe; the caller gets the RetryInfo.
        return {false, "circuit open: fail fast"};
      }
      return {true, "upstream unavailable"};
    case absl::StatusCode::kResourceExhausted: {
      if (info.has_value() && info->domain() == kUpstreamErrorDomain) {
        // Classify on Kling's code, not on the gRPC code: 1303 (concurrency)
        // and any new 429 code share RESOURCE_EXHAUSTED with 1302.
        const auto it = info->metadata().find("kling_code");
        if (it != info->metadata().end() && it->second == kKlingRateLimitCode) {
          return {true, "upstream rate limit (1302)"};
        }
        return {false, "upstream quota not a rate limit"};
      }
      if (HasReason(info, kGatewayErrorDomain, translate::kReasonRateLimited)) {
        return {true, "rate limit in front of the upstream (HTTP 429)"};
      }
      return {false, "resource exhausted, not an upstream rate limit"};
    }
    case absl::StatusCode::kDeadlineExceeded:
      return {false, "caller's deadline exceeded"};
    case absl::StatusCode::kCancelled:
      return {false, "caller cancelled"};
    default:
      return {false, "not a transient failure"};
  }
}

}  // namespace

absl::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kIdentifyFace:
      return "IdentifyFace";
    case Operation::kCreateTask:
      return "CreateLipSyncTask";
    case Operation::kGetTask:
      return "GetLipSyncTask";
    case Operation::kListTasks:
      return "ListLipSyncTasks";
  }
  return "Unknown";
}

bool IsBilled(Operation op) {
  return op == Operation::kIdentifyFace || op == Operation::kCreateTask;
}

absl::Status ValidateRetryOptions(const RetryOptions& options) {
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("retry max_attempts must be >= 1");
  }
  if (options.initial_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry initial_backoff must be > 0");
  }
  if (options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(
        "retry max_backoff must be >= initial_backoff");
  }
  if (!(options.multiplier >= 1)) {
    return absl::InvalidArgumentError("retry multiplier must be >= 1");
  }
  if (!(options.budget_ratio >= 0)) {
    return absl::InvalidArgumentError("retry budget_ratio must be >= 0");
  }
  if (options.budget_min_retries_per_window < 0) {
    return absl::InvalidArgumentError(
        "retry budget_min_retries_per_window must be >= 0");
  }
  if (options.budget_window < absl::Seconds(1)) {
    return absl::InvalidArgumentError("retry budget_window must be >= 1s");
  }
  if (options.deadline_margin < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry deadline_margin must be >= 0");
  }
  return absl::OkStatus();
}

RetryDecision ClassifyForRetry(Operation op, const absl::Status& status) {
  if (status.ok()) return {false, "succeeded"};
  if (IsBilled(op)) {
    // A billed request that may have reached Kling is never re-sent: Kling
    // has no idempotency key, so a 5001, a reset after sending or a timeout
    // can hide an accepted request, and a second one is a second charge
    // (for a create, a second task). Only a failure that proves the request
    // never left is safe; DEADLINE_EXCEEDED or INTERNAL before connecting
    // are not transient, so UNAVAILABLE is required too.
    if (status.code() == absl::StatusCode::kUnavailable &&
        upstream::UpstreamNotReached(status)) {
      return {true, "billed call never reached the upstream"};
    }
    return {false, "billed call may have reached the upstream"};
  }
  return ClassifyRead(status);
}

absl::Duration BackoffDelay(const RetryOptions& options, int failed_attempts,
                            const absl::Status& failure, double uniform01) {
  // In double seconds: multiplier^n overflows to +inf, which min() absorbs.
  const double cap_seconds = std::min(
      absl::ToDoubleSeconds(options.max_backoff),
      absl::ToDoubleSeconds(options.initial_backoff) *
          std::pow(options.multiplier, std::max(0, failed_attempts - 1)));
  const double u = std::clamp(uniform01, 0.0, 1.0);
  absl::Duration delay = absl::Seconds(std::max(0.0, cap_seconds) * u);
  if (const std::optional<absl::Duration> asked = GetRetryDelay(failure)) {
    delay = std::max(delay, *asked);
  }
  return delay;
}

UniformRandom MakeUniformRandom() {
  // absl::BitGen is not thread-safe; retries are rare enough that one lock
  // costs nothing measurable.
  struct Source {
    absl::Mutex mu;
    absl::BitGen gen ABSL_GUARDED_BY(mu);
  };
  auto source = std::make_shared<Source>();
  return [source] {
    absl::MutexLock lock(&source->mu);
    return absl::Uniform<double>(source->gen, 0.0, 1.0);
  };
}

}  // namespace lipsync::resilience

// When the gateway may re-send an upstream call, and how long it waits first.
// Pure functions of typed options: the retry loop
// (retrying_upstream_client.h) applies them; tests table-drive them.
#ifndef LIPSYNC_SERVICE_RESILIENCE_RETRY_POLICY_H_
#define LIPSYNC_SERVICE_RESILIENCE_RETRY_POLICY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lipsync::resilience {

// The upstream operations, one per UpstreamClient virtual.
enum class Operation { kIdentifyFace, kCreateTask, kGetTask, kListTasks };

// "IdentifyFace", "CreateLipSyncTask", "GetLipSyncTask", "ListLipSyncTasks"
// (the gRPC method names, for logs and metric labels).
absl::string_view OperationName(Operation op);

// True for the calls Kling charges for (identify-face, create): sending one
// twice may cost twice and, for a create, start a second task.
bool IsBilled(Operation op);

struct RetryOptions {
  // Attempts per call, the first included (1 = never retry).
  int max_attempts = 3;
  // Backoff cap before attempt n+1: min(max_backoff,
  // initial_backoff × multiplier^(n-1)); the delay is uniform in [0, cap].
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(2);
  double multiplier = 2;
  // Retry budget (retry_budget.h): over `budget_window`, retries may be at
  // most budget_ratio × calls, and at least budget_min_retries_per_window.
  double budget_ratio = 0.1;
  int budget_min_retries_per_window = 10;
  absl::Duration budget_window = absl::Seconds(10);
  // No retry is scheduled to start later than the call's deadline minus this:
  // an attempt with less time left could not finish anyway.
  absl::Duration deadline_margin = absl::Milliseconds(50);
};

// OK, or INVALID_ARGUMENT naming the first bad field: max_attempts ≥ 1,
// 0 < initial_backoff ≤ max_backoff, multiplier ≥ 1, budget_ratio ≥ 0,
// budget_min_retries_per_window ≥ 0, budget_window ≥ 1 s,
// deadline_margin ≥ 0. For main.cc to fail fast on a bad configuration.
absl::Status ValidateRetryOptions(const RetryOptions& options);

struct RetryDecision {
  bool retry = false;
  // Why, in a few words (a static string): for logs and test failures.
  absl::string_view why;
};

// Whether a failed attempt of `op` may be sent again (before the budget, the
// attempt limit and the deadline have their say):
// - Billed calls (IdentifyFace, CreateTask): ONLY when the failure is
//   UNAVAILABLE and upstream::UpstreamNotReached(status) proves no byte of
//   the request left the gateway (e.g. connection refused). Never on Kling
//   5000–5002, on a reset or timeout after sending, or on a rate limit: the
//   upstream may have accepted the first request, and a second one would be
//   a second paid identification or task (no idempotency key exists).
// - Reads (GetTask, ListTasks): on UNAVAILABLE (transport failures, Kling
//   5000–5002, a proxy's 502/503/504), except the gateway's own
//   UPSTREAM_CIRCUIT_OPEN (the breaker exists to fail fast); and on
//   RESOURCE_EXHAUSTED only for a rate limit: Kling code 1302 or a proxy's
//   envelope-less 429. Not 1303 (a running task must finish first: seconds to
//   minutes), not 1100–1102 (the account must be fixed), not the gateway's own
//   GATEWAY_OVERLOADED.
// - Never: OK, DEADLINE_EXCEEDED (the caller's deadline: no time is left),
//   CANCELLED, INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
//   PERMISSION_DENIED, INTERNAL, UNKNOWN, ...
RetryDecision ClassifyForRetry(Operation op, const absl::Status& status);

// "Full jitter" exponential backoff before the attempt after
// `failed_attempts` (≥ 1) failures: uniform01 × min(max_backoff,
// initial_backoff × multiplier^(failed_attempts-1)), where `uniform01` is a
// draw from [0, 1); but never less than the RetryInfo delay `failure` carries
// (the upstream's Retry-After, or Kling's advised 1 s for 1302).
absl::Duration BackoffDelay(const RetryOptions& options, int failed_attempts,
                            const absl::Status& failure, double uniform01);

// A source of uniform doubles in [0, 1). Called concurrently from I/O
// threads: it must be thread-safe.
using UniformRandom = std::function<double()>;

// A thread-safe UniformRandom over absl::BitGen (non-deterministic seed).
UniformRandom MakeUniformRandom();

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_RETRY_POLICY_H_

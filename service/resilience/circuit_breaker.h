// Fails calls fast while the upstream is down, instead of letting every call
// wait for a connect timeout or a 5xx, and lets one probe test recovery.
#ifndef LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKER_H_
#define LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKER_H_

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/resilience/scheduler.h"

namespace lipsync::resilience {

struct CircuitBreakerOptions {
  // Consecutive upstream failures that open the breaker (≥ 1).
  int failure_threshold = 5;
  // How long the breaker stays open before it lets one probe through (> 0).
  absl::Duration cool_down = absl::Seconds(5);
};

// OK, or INVALID_ARGUMENT naming the bad field (for main.cc).
absl::Status ValidateCircuitBreakerOptions(
    const CircuitBreakerOptions& options);

// What one finished upstream call says about the upstream's health.
enum class BreakerOutcome {
  // The upstream itself answered (OK, or a Kling error code other than
  // 5000–5002: the request was refused, but Kling is up).
  kSuccess,
  // UNAVAILABLE: unreachable, reset, TLS failure, Kling 5000–5002, a proxy's
  // 502/503/504.
  kFailure,
  // Says nothing about the upstream: CANCELLED and DEADLINE_EXCEEDED (the
  // caller's deadline; a caller with a short deadline must not open the
  // breaker for everyone), the gateway's own errors (INTERNAL before sending,
  // an unreadable answer, a rate limiter in front of Kling), and the
  // breaker's own UPSTREAM_CIRCUIT_OPEN.
  kNeutral,
};
BreakerOutcome ClassifyForBreaker(const absl::Status& status);

// Thread-safe. One per upstream, shared by every operation.
//
//   closed ──failure_threshold consecutive kFailure──▶ open
//   open ──cool_down elapsed, next Admit()──▶ half-open (that call: the probe)
//   half-open ──kSuccess──▶ closed      half-open ──kFailure──▶ open
//
// In closed, kSuccess resets the failure count; kNeutral leaves it. In open,
// outcomes of calls admitted earlier are ignored. In half-open the next
// Record() decides: normally the probe's (a late answer of a call admitted
// before the breaker opened counts too: it is just as fresh); a kNeutral
// outcome frees the probe slot, so the next Admit() probes again.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  // Runs under the breaker's lock, so transitions arrive in order: it must be
  // quick (a log line, a metric) and must not call the breaker.
  using StateListener = std::function<void(State from, State to)>;

  CircuitBreaker(const CircuitBreakerOptions& options, Clock clock,
                 StateListener on_state_change = nullptr);
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Whether a call may go to the upstream now. OK when closed, and for the
  // single probe in half-open; the caller must then Record() the outcome
  // exactly once. Otherwise UNAVAILABLE, ErrorInfo reason
  // UPSTREAM_CIRCUIT_OPEN (domain lipsync-gateway, metadata `state`), and a
  // RetryInfo: the remaining cool-down when open, the full cool-down while a
  // probe is in flight (if it fails, the next probe is that far away).
  absl::Status Admit();

  // The outcome of an admitted call (see ClassifyForBreaker).
  void Record(const absl::Status& status);

  // The current state. Open turns half-open only on the next Admit() after
  // the cool-down, so state() may say kOpen a little longer.
  State state() const;

 private:
  void TransitionLocked(State to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CircuitBreakerOptions options_;
  const Clock clock_;
  const StateListener on_state_change_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool probe_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

// "closed", "open", "half_open" (for logs and metric labels).
absl::string_view StateName(CircuitBreaker::State state);

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKER_H_

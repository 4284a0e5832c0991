#include "service/resilience/circuit_breaker.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/resilience/error_reasons.h"

namespace lipsync::resilience {
namespace {

absl::Status CircuitOpenError(CircuitBreaker::State state,
                              absl::Duration retry_after) {
  google::rpc::ErrorInfo info;
  info.set_domain(std::string(kGatewayErrorDomain));
  info.set_reason(std::string(kReasonCircuitOpen));
  (*info.mutable_metadata())["state"] = std::string(StateName(state));
  const std::string message =
      state == CircuitBreaker::State::kOpen
          ? absl::StrCat(
                "upstream circuit open after repeated upstream failures; "
                "next probe in ",
                absl::FormatDuration(retry_after))
          : std::string(
                "upstream circuit half-open: a probe call is testing "
                "the upstream");
  return WithRetryDelay(WithErrorInfo(absl::UnavailableError(message), info),
                        retry_after);
}

}  // namespace

absl::Status ValidateCircuitBreakerOptions(
    const CircuitBreakerOptions& options) {
  if (options.failure_threshold < 1) {
    return absl::InvalidArgumentError(
        "circuit breaker failure_threshold must be >= 1");
  }
  if (options.cool_down <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("circuit breaker cool_down must be > 0");
  }
  return absl::OkStatus();
}

BreakerOutcome ClassifyForBreaker(const absl::Status& status) {
  if (status.ok()) return BreakerOutcome::kSuccess;
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  if (status.code() == absl::StatusCode::kUnavailable) {
    const bool ours = info.has_value() &&
                      info->domain() == kGatewayErrorDomain &&
                      info->reason() == kReasonCircuitOpen;
    return ours ? BreakerOutcome::kNeutral : BreakerOutcome::kFailure;
  }
  // Any other Kling error code proves Kling is up and answering, even if it
  // refused this request (4xx-style codes, 1302/1303 limits).
  if (info.has_value() && info->domain() == kUpstreamErrorDomain) {
    return BreakerOutcome::kSuccess;
  }
  return BreakerOutcome::kNeutral;
}

CircuitBreaker::CircuitBreaker(const CircuitBreakerOptions& options,
                               Clock clock, StateListener on_state_change)
    : options_{std::max(1, options.failure_threshold),
               std::max(options.cool_down, absl::Nanoseconds(1))},
      clock_(std::move(clock)),
      on_state_change_(std::move(on_state_change)) {}

absl::Status CircuitBreaker::Admit() {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      return absl::OkStatus();
    case State::kOpen:
      if (now < open_until_) return CircuitOpenError(state_, open_until_ - now);
      TransitionLocked(State::kHalfOpen);
      probe_in_flight_ = true;
      return absl::OkStatus();
    case State::kHalfOpen:
      if (!probe_in_flight_) {
        probe_in_flight_ = true;
        return absl::OkStatus();
      }
      return CircuitOpenError(state_, options_.cool_down);
  }
  return absl::OkStatus();
}

void CircuitBreaker::Record(const absl::Status& status) {
  const BreakerOutcome outcome = ClassifyForBreaker(status);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      if (outcome == BreakerOutcome::kSuccess) {
        consecutive_failures_ = 0;
      } else if (outcome == BreakerOutcome::kFailure &&
                 ++consecutive_failures_ >= options_.failure_threshold) {
        open_until_ = now + options_.cool_down;
        TransitionLocked(State::kOpen);
      }
      return;
    case State::kOpen:
      // Answers of calls admitted before the breaker opened: the breaker
      // already knows the upstream is failing, and a late success is no
      // reason to skip the probe.
      return;
    case State::kHalfOpen:
      if (outcome == BreakerOutcome::kSuccess) {
        TransitionLocked(State::kClosed);
      } else if (outcome == BreakerOutcome::kFailure) {
        open_until_ = now + options_.cool_down;
        TransitionLocked(State::kOpen);
      } else {
        probe_in_flight_ = false;
      }
      return;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

void CircuitBreaker::TransitionLocked(State to) {
  const State from = state_;
  state_ = to;
  consecutive_failures_ = 0;
  probe_in_flight_ = false;
  if (on_state_change_ && from != to) on_state_change_(from, to);
}

absl::string_view StateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

}  // namespace lipsync::resilience

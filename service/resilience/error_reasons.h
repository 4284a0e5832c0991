// google.rpc.ErrorInfo reasons produced by the resilience layer (domain
// kGatewayErrorDomain, "lipsync-gateway"). docs/errors.md §3 explains them.
#ifndef LIPSYNC_SERVICE_RESILIENCE_ERROR_REASONS_H_
#define LIPSYNC_SERVICE_RESILIENCE_ERROR_REASONS_H_

#include "absl/strings/string_view.h"

namespace lipsync::resilience {

// UNAVAILABLE: the circuit breaker refused the call without contacting the
// upstream, which failed repeatedly; a RetryInfo says when to try again.
inline constexpr absl::string_view kReasonCircuitOpen = "UPSTREAM_CIRCUIT_OPEN";

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_ERROR_REASONS_H_

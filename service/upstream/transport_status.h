// The one conversion of libcurl outcomes into absl::Status.
#ifndef LIPSYNC_SERVICE_UPSTREAM_TRANSPORT_STATUS_H_
#define LIPSYNC_SERVICE_UPSTREAM_TRANSPORT_STATUS_H_

#include <curl/curl.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lipsync::upstream {

// What the engine knows about a failed transfer besides the curl code.
struct TransferFacts {
  // No connection was ever established, so no byte of the request reached
  // the upstream: a billed call may be retried safely.
  bool never_connected = false;
  // The write callback stopped the transfer: the answer exceeded the cap.
  bool answer_too_large = false;
  // The timeout that fired was the caller's deadline (not only the connect
  // timeout).
  bool deadline_was_binding = true;
};

// UNAVAILABLE (unreachable, reset, TLS), DEADLINE_EXCEEDED (caller's deadline),
// INTERNAL (answer too large, misconfiguration), CANCELLED (caller went away).
// Each but CANCELLED carries an ErrorInfo (domain lipsync-gateway) with the
// curl error text.
absl::Status CurlResultToStatus(CURLcode code, absl::string_view error_text,
                                const TransferFacts& facts);

// True when `status` proves the request never reached the upstream.
bool UpstreamNotReached(const absl::Status& status);

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_TRANSPORT_STATUS_H_

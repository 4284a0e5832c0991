// The HTTP seam under the Kling client: one request in, one answer (or a
// transport Status) out, asynchronously. The real implementation is
// CurlEngine; tests substitute a fake.
#ifndef LIPSYNC_SERVICE_UPSTREAM_HTTP_TRANSPORT_H_
#define LIPSYNC_SERVICE_UPSTREAM_HTTP_TRANSPORT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "service/common/call_context.h"
#include "service/common/streamed_body.h"

namespace lipsync::upstream {

enum class HttpMethod { kGet, kPost };

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  // Absolute http(s) URL.
  std::string url;
  // Complete header lines, "Name: value".
  std::vector<std::string> headers;
  // POST body, described in pieces (StreamedBody): the transport sends a
  // small one with the headers and pulls a large one (a create's audio,
  // Base64-encoded straight into libcurl's upload buffer) as it sends. May
  // reference the caller's request bytes, which the UpstreamClient contract
  // keeps valid until `done`.
  StreamedBody body;
};

struct HttpResponse {
  long http_status = 0;
  std::string body;
  // From a Retry-After header (delta-seconds form), when present.
  std::optional<absl::Duration> retry_after;
};

// Called exactly once per Send, on a transport thread: must not block.
using HttpCallback = std::function<void(absl::StatusOr<HttpResponse>)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Starts the exchange and returns at once. The transfer is bounded by
  // `call->deadline()` and aborted by `call->Cancel()`. Transport failures
  // come back as Status (see transport_status.h); any HTTP answer, 4xx/5xx
  // included, comes back as HttpResponse.
  virtual void Send(HttpRequest request, std::shared_ptr<CallContext> call,
                    HttpCallback done) = 0;
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_HTTP_TRANSPORT_H_

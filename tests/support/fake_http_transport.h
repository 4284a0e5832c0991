// A scripted HttpTransport for the code above the transport
// (KlingUpstreamClient): it records every request as it would go on the
// wire, the body read end to end, and answers with what the test scripted,
// at once or when the test says.
#ifndef LIPSYNC_TESTS_SUPPORT_FAKE_HTTP_TRANSPORT_H_
#define LIPSYNC_TESTS_SUPPORT_FAKE_HTTP_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/call_context.h"
#include "service/upstream/http_transport.h"

namespace lipsync::testing_util {

// One request as the transport received it.
struct RecordedHttpRequest {
  upstream::HttpMethod method = upstream::HttpMethod::kGet;
  std::string url;
  // The header lines as given ("Name: value").
  std::vector<std::string> headers;
  // Every byte of the body, pulled through StreamedBody::ReadAt in small
  // chunks from offset 0 to the end, as the real transport pulls it.
  std::string body;
  // The size the body declared (what goes out as Content-Length).
  uint64_t body_declared_size = 0;
  // The call context handed to Send (deadline, cancellation).
  std::shared_ptr<CallContext> call;

  // The value of every header line named `name` (case-insensitive), with
  // the whitespace around it trimmed, in order.
  std::vector<std::string> HeaderValues(absl::string_view name) const;
  // The value of the one header named `name`; nullopt when absent or sent
  // more than once.
  std::optional<std::string> Header(absl::string_view name) const;
};

// Thread-safe. A Send takes the oldest answer queued by AnswerNextWith and
// completes at once, inline on the sending thread; with none queued it is
// held until the test calls AnswerHeld (on the test's thread, or any other).
// Held exchanges never answered are dropped with the transport.
class FakeHttpTransport final : public upstream::HttpTransport {
 public:
  using Outcome = absl::StatusOr<upstream::HttpResponse>;

  void Send(upstream::HttpRequest request, std::shared_ptr<CallContext> call,
            upstream::HttpCallback done) override;

  // Queues the answer of a future Send (a response or a transport failure).
  void AnswerNextWith(Outcome outcome);
  // Completes the oldest held exchange with `outcome`; runs its callback on
  // the calling thread. False when no exchange is held.
  bool AnswerHeld(Outcome outcome);

  // Exchanges waiting for AnswerHeld.
  std::size_t held() const;
  // Requests received so far, oldest first.
  std::vector<RecordedHttpRequest> requests() const;
  std::size_t sent() const;
  // The most recent request; the test fails (and gets an empty one) when
  // there is none.
  RecordedHttpRequest last_request() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<RecordedHttpRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::deque<Outcome> scripted_ ABSL_GUARDED_BY(mu_);
  std::deque<upstream::HttpCallback> held_ ABSL_GUARDED_BY(mu_);
};

// An HTTP answer with `body`.
upstream::HttpResponse HttpAnswer(
    long http_status, std::string body,
    std::optional<absl::Duration> retry_after = std::nullopt);

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_FAKE_HTTP_TRANSPORT_H_

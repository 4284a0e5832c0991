// The reactor of one unary RPC. It owns the call's CallContext (deadline,
// cancellation, the trace context read from the caller's metadata) and
// admission ticket, finishes exactly once with a converted status and the
// trace trailers, writes the access-log line and the call's metrics, and
// deletes itself in OnDone.
#ifndef LIPSYNC_SERVICE_SERVER_UNARY_CALL_H_
#define LIPSYNC_SERVICE_SERVER_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "service/common/call_context.h"
#include "service/common/json_log.h"
#include "service/observability/gateway_metrics.h"
#include "service/server/admission_control.h"
#include "service/server/calls_in_flight.h"

namespace lipsync::server {

// Deadline of a call: the caller's, else now + `default_timeout`; never
// later than now + `max_timeout`.
absl::Time EffectiveDeadline(const grpc::CallbackServerContext& context,
                             absl::Duration default_timeout,
                             absl::Duration max_timeout);

class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  // The call counts in `in_flight` until its OnDone. `metrics` may be null
  // (no metrics). Both must outlive the call.
  UnaryCall(grpc::CallbackServerContext* context, absl::string_view method,
            absl::Time deadline, CallsInFlight* in_flight,
            observability::GatewayMetrics* metrics);

  const std::shared_ptr<CallContext>& call() const { return call_; }
  // Keeps the admission ticket (and counts its audio bytes as in flight)
  // until the call is done.
  void HoldTicket(std::unique_ptr<AdmissionControl::Ticket> ticket,
                  std::size_t audio_bytes);
  // Adds a field to this call's access-log line (no secrets, no audio).
  // Not thread-safe: call before Finish, from the thread that owns the call.
  void AddLogField(std::string key, std::string value) {
    log_fields_.emplace_back(std::move(key), std::move(value));
  }

  // Finishes the RPC. Call exactly once; `this` may be deleted before it
  // returns, so touch nothing of the call afterwards.
  void FinishWith(const absl::Status& status);

  void OnCancel() override;
  void OnDone() override;
  // Lets gRPC run OnDone and OnCancel on the thread that completes the
  // operation instead of handing each to its executor thread, which costs a
  // thread wake-up (two futex calls and a context switch) per call
  // (~25 us of CPU at c=1). gRPC marks the hook "not API, for reactors with
  // trivial reactions": both reactions here are short and never block
  // (counters, a delete, at most a mutex and an eventfd write to cancel the
  // upstream transfer).
  bool InternalInlineable() override { return true; }

 private:
  grpc::CallbackServerContext* const context_;
  const std::string method_;
  const absl::Time start_;
  CallsInFlight* const in_flight_;
  observability::GatewayMetrics* const metrics_;
  std::shared_ptr<CallContext> call_;
  std::unique_ptr<AdmissionControl::Ticket> ticket_;
  std::size_t audio_bytes_ = 0;
  LogFields log_fields_;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_UNARY_CALL_H_

#include "service/server/unary_call.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"
#include "service/server/access_log.h"
#include "service/server/grpc_status.h"
#include "service/server/trace_metadata.h"

namespace lipsync::server {

absl::Time EffectiveDeadline(const grpc::CallbackServerContext& context,
                             absl::Duration default_timeout,
                             absl::Duration max_timeout) {
  const absl::Time now = absl::Now();
  const auto raw = context.deadline();
  // gRPC reports "no deadline" as the largest time point.
  const bool has_deadline = raw != std::chrono::system_clock::time_point::max();
  absl::Time deadline =
      has_deadline ? absl::FromChrono(raw) : now + default_timeout;
  return std::min(deadline, now + max_timeout);
}

UnaryCall::UnaryCall(grpc::CallbackServerContext* context,
                     absl::string_view method, absl::Time deadline,
                     CallsInFlight* in_flight,
                     observability::GatewayMetrics* metrics)
    : context_(context),
      method_(method),
      start_(absl::Now()),
      in_flight_(in_flight),
      metrics_(metrics),
      call_(std::make_shared<CallContext>(deadline,
                                          TraceFromMetadata(*context))) {
  in_flight_->Enter();
  if (metrics_ != nullptr) metrics_->AddInFlightCalls(1);
}

void UnaryCall::HoldTicket(std::unique_ptr<AdmissionControl::Ticket> ticket,
                           std::size_t audio_bytes) {
  ticket_ = std::move(ticket);
  audio_bytes_ = audio_bytes;
  if (metrics_ != nullptr && audio_bytes_ > 0) {
    metrics_->AddAudioBytesInFlight(static_cast<double>(audio_bytes_));
  }
}

void UnaryCall::FinishWith(const absl::Status& status) {
  const absl::Duration elapsed = absl::Now() - start_;
  if (metrics_ != nullptr) {
    metrics_->RecordCall(method_, status.code(), elapsed);
  }
  const TraceContext& trace = call_->trace();
  if (AccessLogEnabled(status)) {
    WriteAccessLog({method_, status, elapsed, context_->peer(),
                    trace.trace_id(), trace.caller_request_id(),
                    std::move(log_fields_)});
  }
  AddTraceTrailers(trace, context_);
  if (auto delay = GetRetryDelay(status)) {
    // Lets a gRPC client retry policy wait as long as the upstream asked.
    context_->AddTrailingMetadata(
        "grpc-retry-pushback-ms",
        absl::StrCat(absl::ToInt64Milliseconds(*delay)));
  }
  Finish(ToGrpcStatus(status, trace.trace_id()));
}

void UnaryCall::OnCancel() { call_->Cancel(); }

void UnaryCall::OnDone() {
  if (metrics_ != nullptr) {
    metrics_->AddInFlightCalls(-1);
    if (audio_bytes_ > 0) {
      metrics_->AddAudioBytesInFlight(-static_cast<double>(audio_bytes_));
    }
  }
  in_flight_->Leave();
  delete this;
}

}  // namespace lipsync::server

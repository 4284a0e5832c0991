#include "service/server/admission_control.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"

namespace lipsync::server {

absl::Status GatewayOverloaded(absl::string_view bound, std::size_t limit) {
  google::rpc::ErrorInfo info;
  info.set_reason("GATEWAY_OVERLOADED");
  info.set_domain(std::string(kGatewayErrorDomain));
  (*info.mutable_metadata())["bound"] = std::string(bound);
  (*info.mutable_metadata())["limit"] = absl::StrCat(limit);
  return WithRetryDelay(
      WithErrorInfo(absl::ResourceExhaustedError(
                        absl::StrCat("gateway overloaded: ", bound, " limit ",
                                     limit, " reached; retry with backoff")),
                    info),
      absl::Milliseconds(100));
}

AdmissionControl::Ticket::~Ticket() { owner_->Release(audio_bytes_); }

absl::StatusOr<std::unique_ptr<AdmissionControl::Ticket>>
AdmissionControl::TryAdmit(std::size_t audio_bytes) {
  absl::MutexLock lock(&mu_);
  if (calls_ >= limits_.max_in_flight_calls) {
    return GatewayOverloaded("in-flight calls", limits_.max_in_flight_calls);
  }
  // A single call larger than the whole budget is still admitted when
  // nothing else holds audio, so a low setting cannot refuse every upload.
  if (audio_bytes > 0 && audio_bytes_ > 0 &&
      audio_bytes_ + audio_bytes > limits_.max_audio_bytes_in_flight) {
    return GatewayOverloaded("audio bytes in flight",
                             limits_.max_audio_bytes_in_flight);
  }
  ++calls_;
  audio_bytes_ += audio_bytes;
  return std::unique_ptr<Ticket>(new Ticket(this, audio_bytes));
}

std::size_t AdmissionControl::in_flight_calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

std::size_t AdmissionControl::audio_bytes_in_flight() const {
  absl::MutexLock lock(&mu_);
  return audio_bytes_;
}

void AdmissionControl::Release(std::size_t audio_bytes) {
  absl::MutexLock lock(&mu_);
  --calls_;
  audio_bytes_ -= audio_bytes;
}

}  // namespace lipsync::server

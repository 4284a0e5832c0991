// Bounds on work the gateway accepts: calls in flight and audio bytes held.
// Beyond a bound a call fails at once (RESOURCE_EXHAUSTED); nothing queues
// without limit.
#ifndef LIPSYNC_SERVICE_SERVER_ADMISSION_CONTROL_H_
#define LIPSYNC_SERVICE_SERVER_ADMISSION_CONTROL_H_

#include <cstddef>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace lipsync::server {

struct AdmissionLimits {
  // Unary calls being served at once (waiting on the upstream included).
  std::size_t max_in_flight_calls = 4096;
  // Audio bytes (as received) held by calls in flight.
  std::size_t max_audio_bytes_in_flight = 512u * 1024 * 1024;
};

// RESOURCE_EXHAUSTED for a gateway bound that was hit: ErrorInfo reason
// GATEWAY_OVERLOADED (metadata `bound`, `limit`) and a RetryInfo of 100 ms,
// as docs/errors.md gives for every gateway bound.
absl::Status GatewayOverloaded(absl::string_view bound, std::size_t limit);

class AdmissionControl {
 public:
  // Released when destroyed. Must not outlive the AdmissionControl.
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    friend class AdmissionControl;
    Ticket(AdmissionControl* owner, std::size_t audio_bytes)
        : owner_(owner), audio_bytes_(audio_bytes) {}
    AdmissionControl* owner_;
    std::size_t audio_bytes_;
  };

  explicit AdmissionControl(const AdmissionLimits& limits) : limits_(limits) {}

  // A ticket, or RESOURCE_EXHAUSTED (ErrorInfo reason GATEWAY_OVERLOADED)
  // naming the bound that was hit. Thread-safe.
  absl::StatusOr<std::unique_ptr<Ticket>> TryAdmit(std::size_t audio_bytes);

  std::size_t in_flight_calls() const;
  std::size_t audio_bytes_in_flight() const;

 private:
  void Release(std::size_t audio_bytes);

  const AdmissionLimits limits_;
  mutable absl::Mutex mu_;
  std::size_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::size_t audio_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_ADMISSION_CONTROL_H_

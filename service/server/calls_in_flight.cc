#include "service/server/calls_in_flight.h"

namespace lipsync::server {

void CallsInFlight::Enter() {
  absl::MutexLock lock(&mu_);
  ++count_;
}

void CallsInFlight::Leave() {
  absl::MutexLock lock(&mu_);
  if (--count_ == 0) none_.SignalAll();
}

std::size_t CallsInFlight::count() const {
  absl::MutexLock lock(&mu_);
  return count_;
}

bool CallsInFlight::AwaitNone(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  while (count_ != 0) {
    if (none_.WaitWithDeadline(&mu_, deadline)) return count_ == 0;
  }
  return true;
}

}  // namespace lipsync::server

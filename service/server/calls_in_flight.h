// The calls a service is serving, counted from the start of the handler to
// the end of the reactor's OnDone, so that the drain on shutdown knows when
// nothing is left in flight.
#ifndef LIPSYNC_SERVICE_SERVER_CALLS_IN_FLIGHT_H_
#define LIPSYNC_SERVICE_SERVER_CALLS_IN_FLIGHT_H_

#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lipsync::server {

// Thread-safe.
class CallsInFlight {
 public:
  // A call starts; each Enter is matched by one Leave.
  void Enter();
  // A call is over.
  void Leave();

  std::size_t count() const;

  // Blocks until no call is in flight or `deadline` has passed; true when
  // none is. New calls may enter afterwards: stop them first (the server's
  // shutdown) to know that none will.
  bool AwaitNone(absl::Time deadline) const;

 private:
  mutable absl::Mutex mu_;
  // Signalled when the count drops to zero.
  mutable absl::CondVar none_;
  std::size_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_CALLS_IN_FLIGHT_H_

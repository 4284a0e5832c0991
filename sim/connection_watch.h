#ifndef LIPSYNC_SIM_CONNECTION_WATCH_H_
#define LIPSYNC_SIM_CONNECTION_WATCH_H_

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace kling_sim {

// cpp-httplib does not hand a handler its socket, yet the `hang` fault must
// notice when the client gives up. These helpers find the socket of the
// current connection by its two ports and watch it.

// The descriptor of this process's TCP connection whose local and remote
// ports are these, or -1. Scans /proc/self/fd: fine for a rare test fault.
int FindConnectionFd(int local_port, int remote_port);

// Blocks until the peer of `fd` closes or resets the connection (true), or
// until `stop` is notified or `max_wait` passes (false).
bool WaitForPeerClose(int fd, absl::Duration max_wait,
                      const absl::Notification& stop);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_CONNECTION_WATCH_H_

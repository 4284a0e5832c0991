#include "sim/connection_watch.h"

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>

#include "absl/time/clock.h"

namespace kling_sim {
namespace {

int PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

bool HasPorts(int fd, int local_port, int remote_port) {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) return false;
  sockaddr_storage local{}, remote{};
  socklen_t local_len = sizeof(local), remote_len = sizeof(remote);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) {
    return false;
  }
  return PortOf(local) == local_port && PortOf(remote) == remote_port;
}

}  // namespace

int FindConnectionFd(int local_port, int remote_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (HasPorts(static_cast<int>(fd), local_port, remote_port)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  closedir(dir);
  return found;
}

bool WaitForPeerClose(int fd, absl::Duration max_wait,
                      const absl::Notification& stop) {
  const absl::Time deadline = absl::Now() + max_wait;
  while (absl::Now() < deadline && !stop.HasBeenNotified()) {
    if (fd < 0) {
      // Cannot watch the socket: just wait out the bound.
      stop.WaitForNotificationWithTimeout(absl::Milliseconds(100));
      continue;
    }
    pollfd watch{fd, POLLIN | POLLRDHUP, 0};
    const int ready = poll(&watch, 1, 100);
    if (ready <= 0) continue;
    if (watch.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) {
      return true;
    }
    char byte;
    const ssize_t peeked = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked == 0) return true;
    // Pipelined bytes: the client is still there; avoid a busy loop.
    stop.WaitForNotificationWithTimeout(absl::Milliseconds(100));
  }
  return false;
}

}  // namespace kling_sim

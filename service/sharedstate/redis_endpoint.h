// Where the shared state lives: a Redis server named by --redis_url.
#ifndef LIPSYNC_SERVICE_SHAREDSTATE_REDIS_ENDPOINT_H_
#define LIPSYNC_SERVICE_SHAREDSTATE_REDIS_ENDPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::sharedstate {

struct RedisEndpoint {
  // TCP: host and port. Unix socket: `unix_path` set, host empty.
  std::string host;
  int port = 6379;
  std::string unix_path;
  // SELECTed on every connection.
  int db = 0;

  // "host:port/db" or "unix:/path/db", for logs (holds no secret).
  std::string ToString() const;
};

// Parses `redis://host:port[/db]` (port defaults to 6379; an IPv6 host is
// bracketed: `redis://[::1]:6379`) or `unix:///absolute/path[?db=N]`.
// INVALID_ARGUMENT for anything else, and for credentials in the URL
// (`redis://user:pass@...`): the password comes from a file or the
// environment only. No message quotes the URL's userinfo.
absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url);

}  // namespace lipsync::sharedstate

#endif  // LIPSYNC_SERVICE_SHAREDSTATE_REDIS_ENDPOINT_H_

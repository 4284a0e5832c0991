#include "service/sharedstate/redis_endpoint.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lipsync::sharedstate {
namespace {

constexpr int kMaxDb = 65535;

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "--redis_url: ", why,
      " (expected redis://host:port[/db] or unix:///path[?db=N])"));
}

absl::StatusOr<int> ParseDb(absl::string_view text) {
  int db = 0;
  if (text.empty()) return 0;
  if (!absl::SimpleAtoi(text, &db) || db < 0 || db > kMaxDb) {
    return Bad("the database must be a number in [0, 65535]");
  }
  return db;
}

}  // namespace

std::string RedisEndpoint::ToString() const {
  if (!unix_path.empty()) return absl::StrCat("unix:", unix_path, "/", db);
  const bool v6 = host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port, "/", db);
}

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url) {
  RedisEndpoint endpoint;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    const size_t query = rest.find('?');
    absl::string_view path = rest.substr(0, query);
    if (path.empty() || path[0] != '/') return Bad("needs an absolute path");
    if (query != absl::string_view::npos) {
      absl::string_view params = rest.substr(query + 1);
      if (!absl::ConsumePrefix(&params, "db=")) {
        return Bad("the only parameter is db=N");
      }
      absl::StatusOr<int> db = ParseDb(params);
      if (!db.ok()) return db.status();
      endpoint.db = *db;
    }
    endpoint.unix_path = std::string(path);
    return endpoint;
  }
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return Bad(
        "unsupported scheme (rediss:// needs TLS, which hiredis 0.14 "
        "lacks)");
  }
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != absl::string_view::npos) {
    return Bad(
        "must not hold credentials; give the password with "
        "--redis_password_file or LIPSYNC_REDIS_PASSWORD");
  }
  if (slash != absl::string_view::npos) {
    absl::StatusOr<int> db = ParseDb(rest.substr(slash + 1));
    if (!db.ok()) return db.status();
    endpoint.db = *db;
  }
  absl::string_view port_text;
  if (absl::ConsumePrefix(&authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Bad("unclosed '[' in host");
    endpoint.host = std::string(authority.substr(0, close));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !absl::ConsumePrefix(&authority, ":")) {
      return Bad("junk after the host");
    }
    port_text = authority;
  } else {
    const size_t colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (endpoint.host.empty()) return Bad("needs a host");
  if (!port_text.empty() && (!absl::SimpleAtoi(port_text, &endpoint.port) ||
                             endpoint.port < 1 || endpoint.port > 65535)) {
    return Bad("the port must be a number in [1, 65535]");
  }
  return endpoint;
}

}  // namespace lipsync::sharedstate

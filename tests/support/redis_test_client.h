// A RedisClient set up for tests against a RedisServer of the test's own:
// a generous operation budget (a loaded CI machine is not an outage), and a
// wait until the connection is up.
#ifndef LIPSYNC_TESTS_SUPPORT_REDIS_TEST_CLIENT_H_
#define LIPSYNC_TESTS_SUPPORT_REDIS_TEST_CLIENT_H_

#include <string>

#include "absl/time/time.h"
#include "service/sharedstate/redis_client.h"
#include "service/sharedstate/redis_endpoint.h"
#include "tests/support/poll.h"

namespace lipsync::testing_util {

inline sharedstate::RedisClientOptions TestRedisClientOptions(
    const std::string& url) {
  sharedstate::RedisClientOptions options;
  options.endpoint = sharedstate::ParseRedisUrl(url).value();
  options.op_timeout = absl::Milliseconds(500);
  return options;
}

// True once `client` is connected and authenticated (within 10 s).
inline bool AwaitRedisUp(const sharedstate::RedisClient& client) {
  return PollUntil([&client] { return client.up(); }, absl::Seconds(10));
}

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_REDIS_TEST_CLIENT_H_

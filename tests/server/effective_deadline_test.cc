// EffectiveDeadline for a call without a caller deadline (a bare
// CallbackServerContext has none). Calls with one are tested through the
// service (lipsync_service_call_test.cc), where gRPC sets it.
#include <gtest/gtest.h>

#include <string>

#include "absl/time/clock.h"
#include "service/server/unary_call.h"

namespace lipsync::server {
namespace {

struct Row {
  std::string name;
  absl::Duration default_timeout;
  absl::Duration max_timeout;
  // Expected deadline, from the time of the call.
  absl::Duration expected;
};

TEST(EffectiveDeadlineTest, WithoutACallerDeadline) {
  const Row rows[] = {
      {"default below the maximum", absl::Seconds(30), absl::Minutes(2),
       absl::Seconds(30)},
      {"default equal to the maximum", absl::Minutes(2), absl::Minutes(2),
       absl::Minutes(2)},
      {"default capped at the maximum", absl::Minutes(5), absl::Minutes(2),
       absl::Minutes(2)},
      {"an hour-long watch limit", absl::Hours(1), absl::Hours(1),
       absl::Hours(1)},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    grpc::CallbackServerContext context;
    const absl::Time before = absl::Now();
    const absl::Time deadline =
        EffectiveDeadline(context, row.default_timeout, row.max_timeout);
    const absl::Time after = absl::Now();
    EXPECT_GE(deadline, before + row.expected);
    EXPECT_LE(deadline, after + row.expected);
  }
}

}  // namespace
}  // namespace lipsync::server

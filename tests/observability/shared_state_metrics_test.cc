#include "service/observability/shared_state_metrics.h"

#include <gtest/gtest.h>

#include "tests/observability/exposition.h"

namespace lipsync::observability {
namespace {

using testing_util::Exposition;
using testing_util::SampleValue;

TEST(SharedStateMetricsTest, CountsWatchFallbacks) {
  prometheus::Registry registry;
  SharedStateMetrics metrics(registry);
  EXPECT_EQ(SampleValue(Exposition(registry),
                        "lipsync_shared_state_watch_fallbacks_total"),
            0.0);
  metrics.OnWatchFallback();
  metrics.OnWatchFallback();
  EXPECT_EQ(SampleValue(Exposition(registry),
                        "lipsync_shared_state_watch_fallbacks_total"),
            2.0);
}

}  // namespace
}  // namespace lipsync::observability

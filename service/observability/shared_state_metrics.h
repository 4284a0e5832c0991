// The shared state's metrics, fed by the Redis client (as its observer):
//   lipsync_shared_state_up                     gauge: 1 connected, 0 not
//   lipsync_shared_state_operations_total{op, outcome}               counter
//   lipsync_shared_state_operation_seconds{op}                     histogram
//   lipsync_shared_state_watch_fallbacks_total                        counter
//     watch pollers that went back to polling for this replica's own
//     watchers because Redis failed (see SharedTaskWatches)
// `op` is the Redis command in lower case; `outcome` is ok, error (Redis
// answered with an error), timeout (no reply within the budget) or
// unavailable (not connected, or the connection was lost).
#ifndef LIPSYNC_SERVICE_OBSERVABILITY_SHARED_STATE_METRICS_H_
#define LIPSYNC_SERVICE_OBSERVABILITY_SHARED_STATE_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "service/sharedstate/redis_client.h"

namespace lipsync::observability {

// Upper bounds, in seconds, of the operation latency buckets (100 us-1 s:
// a Redis round trip on a private network is well under a millisecond).
extern const std::vector<double> kSharedStateLatencyBuckets;

// Thread-safe.
class SharedStateMetrics final : public sharedstate::RedisClientObserver {
 public:
  explicit SharedStateMetrics(prometheus::Registry& registry);

  void OnAvailability(bool up) override;
  void OnOperation(absl::string_view op, absl::StatusCode code,
                   absl::Duration elapsed) override;
  void OnWatchFallback();

 private:
  struct OpSeries {
    std::array<prometheus::Counter*, 4> outcomes{};  // ok error timeout unav.
    prometheus::Histogram* seconds = nullptr;
  };
  OpSeries& SeriesOf(absl::string_view op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  prometheus::Gauge* const up_;
  prometheus::Counter* const watch_fallbacks_;
  prometheus::Family<prometheus::Counter>& operations_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, OpSeries> ops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::observability

#endif  // LIPSYNC_SERVICE_OBSERVABILITY_SHARED_STATE_METRICS_H_

// Exact latency percentiles from every sample (a sorted copy; a 10 s run at
// tens of thousands of calls per second is a few MB).
#ifndef LIPSYNC_BENCH_LOADGEN_LATENCY_STATS_H_
#define LIPSYNC_BENCH_LOADGEN_LATENCY_STATS_H_

#include <cstdint>
#include <vector>

namespace lipsync::bench {

struct LatencySummary {
  int64_t samples = 0;
  // Milliseconds. Nearest-rank percentiles; all 0 when there are no samples.
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

// `micros` holds one latency per call in microseconds; it is sorted in place.
LatencySummary Summarize(std::vector<uint32_t>& micros);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_LATENCY_STATS_H_

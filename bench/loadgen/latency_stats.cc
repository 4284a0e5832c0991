#include "bench/loadgen/latency_stats.h"

#include <algorithm>
#include <cmath>

namespace lipsync::bench {
namespace {

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  // Nearest rank: the smallest sample with at least p% of samples <= it.
  const auto n = static_cast<double>(sorted.size());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;
}

}  // namespace

LatencySummary Summarize(std::vector<uint32_t>& micros) {
  LatencySummary s;
  if (micros.empty()) return s;
  std::sort(micros.begin(), micros.end());
  s.samples = static_cast<int64_t>(micros.size());
  s.p50_ms = Percentile(micros, 50);
  s.p90_ms = Percentile(micros, 90);
  s.p99_ms = Percentile(micros, 99);
  s.max_ms = micros.back() / 1000.0;
  double sum = 0;
  for (uint32_t v : micros) sum += v;
  s.mean_ms = sum / static_cast<double>(micros.size()) / 1000.0;
  return s;
}

}  // namespace lipsync::bench

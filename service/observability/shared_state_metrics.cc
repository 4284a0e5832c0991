#include "service/observability/shared_state_metrics.h"

namespace lipsync::observability {
namespace {

constexpr std::array<const char*, 4> kOutcomes = {"ok", "error", "timeout",
                                                  "unavailable"};

size_t OutcomeOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kDeadlineExceeded:
      return 2;
    case absl::StatusCode::kUnavailable:
      return 3;
    default:
      return 1;
  }
}

}  // namespace

const std::vector<double> kSharedStateLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
    0.01,   0.025,   0.05,   0.1,   0.25,   1};

SharedStateMetrics::SharedStateMetrics(prometheus::Registry& registry)
    : up_(&prometheus::BuildGauge()
               .Name("lipsync_shared_state_up")
               .Help("Whether the shared state (Redis) is connected (1) or not "
                     "(0).")
               .Register(registry)
               .Add({})),
      watch_fallbacks_(
          &prometheus::BuildCounter()
               .Name("lipsync_shared_state_watch_fallbacks_total")
               .Help("Watch pollers that polled for this replica's own "
                     "watchers because the shared state (Redis) failed.")
               .Register(registry)
               .Add({})),
      operations_(prometheus::BuildCounter()
                      .Name("lipsync_shared_state_operations_total")
                      .Help("Shared state (Redis) operations, by outcome.")
                      .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("lipsync_shared_state_operation_seconds")
                   .Help("Shared state (Redis) operation latency.")
                   .Register(registry)) {
  absl::MutexLock lock(&mu_);
  SeriesOf("get");
  SeriesOf("set");
}

SharedStateMetrics::OpSeries& SharedStateMetrics::SeriesOf(
    absl::string_view op) {
  auto it = ops_.find(op);
  if (it != ops_.end()) return it->second;
  OpSeries series;
  const std::string name(op);
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    series.outcomes[i] =
        &operations_.Add({{"op", name}, {"outcome", kOutcomes[i]}});
  }
  series.seconds = &seconds_.Add({{"op", name}}, kSharedStateLatencyBuckets);
  return ops_.emplace(name, series).first->second;
}

void SharedStateMetrics::OnAvailability(bool up) { up_->Set(up ? 1 : 0); }

void SharedStateMetrics::OnWatchFallback() { watch_fallbacks_->Increment(); }

void SharedStateMetrics::OnOperation(absl::string_view op,
                                     absl::StatusCode code,
                                     absl::Duration elapsed) {
  absl::MutexLock lock(&mu_);
  OpSeries& series = SeriesOf(op);
  series.outcomes[OutcomeOf(code)]->Increment();
  series.seconds->Observe(absl::ToDoubleSeconds(elapsed));
}

}  // namespace lipsync::observability

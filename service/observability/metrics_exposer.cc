#include "service/observability/metrics_exposer.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lipsync::observability {

absl::StatusOr<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    const std::string& address,
    std::shared_ptr<prometheus::Registry> registry) {
  if (address.empty()) {
    return absl::InvalidArgumentError("metrics listen address is empty");
  }
  // prometheus-cpp reports a failed bind by throwing (CivetException); the
  // rest of the gateway speaks Status.
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer->RegisterCollectable(registry);
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics listener on ", address, " has no port"));
  }
  return std::unique_ptr<MetricsExposer>(new MetricsExposer(
      std::move(exposer), std::move(registry), ports.front()));
}

}  // namespace lipsync::observability

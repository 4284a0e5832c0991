// Serves a Prometheus registry over HTTP at /metrics.
#ifndef LIPSYNC_SERVICE_OBSERVABILITY_METRICS_EXPOSER_H_
#define LIPSYNC_SERVICE_OBSERVABILITY_METRICS_EXPOSER_H_

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace lipsync::observability {

// Owns the HTTP listener (prometheus-cpp's civetweb-based Exposer, two
// threads). Scrapes are served until it is destroyed; destroying it stops
// the listener and waits for scrapes in progress.
class MetricsExposer {
 public:
  // Listens on `address`, "host:port" ("0.0.0.0:9090", "127.0.0.1:0",
  // "[::]:9090"); port 0 picks a free port, reported by port(). The
  // registry is shared, so it may outlive or not outlive the exposer.
  // UNAVAILABLE if the address cannot be bound (in use, bad host),
  // INVALID_ARGUMENT if it is empty.
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(
      const std::string& address,
      std::shared_ptr<prometheus::Registry> registry);

  MetricsExposer(const MetricsExposer&) = delete;
  MetricsExposer& operator=(const MetricsExposer&) = delete;

  // The bound TCP port.
  int port() const { return port_; }

 private:
  MetricsExposer(std::unique_ptr<prometheus::Exposer> exposer,
                 std::shared_ptr<prometheus::Registry> registry, int port)
      : registry_(std::move(registry)),
        exposer_(std::move(exposer)),
        port_(port) {}

  // Declared before the exposer so that the exposer (which holds only a
  // weak_ptr) stops serving before the registry can go.
  const std::shared_ptr<prometheus::Registry> registry_;
  const std::unique_ptr<prometheus::Exposer> exposer_;
  const int port_;
};

}  // namespace lipsync::observability

#endif  // LIPSYNC_SERVICE_OBSERVABILITY_METRICS_EXPOSER_H_

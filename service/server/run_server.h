// Wires the gateway together and owns its lifetime: upstream engine, service,
// gRPC server (health + reflection), and the graceful drain on SIGTERM/SIGINT.
#ifndef LIPSYNC_SERVICE_SERVER_RUN_SERVER_H_
#define LIPSYNC_SERVICE_SERVER_RUN_SERVER_H_

#include "absl/status/status.h"
#include "service/server/gateway_options.h"

namespace lipsync::server {

// Blocks SIGTERM and SIGINT in the calling thread (and the threads it starts
// later), so that RunServer can wait for them synchronously. Call first
// thing in main.
void BlockTerminationSignals();

// Serves until SIGTERM/SIGINT, then drains and returns OK. Returns an error
// when the server cannot start (e.g. the port is taken).
absl::Status RunServer(const GatewayOptions& options);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_RUN_SERVER_H_

// The one place where absl::Status becomes grpc::Status: the google.rpc
// details carried as payloads (BadRequest, ErrorInfo, RetryInfo) become the
// google.rpc.Status in the grpc-status-details-bin trailer.
#ifndef LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_
#define LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace lipsync::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_

// The one place where absl::Status becomes grpc::Status: the google.rpc
// details carried as payloads (BadRequest, ErrorInfo, RetryInfo) become the
// google.rpc.Status in the grpc-status-details-bin trailer.
#ifndef LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_
#define LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lipsync::server {

// A non-empty `trace_id` (the call's, trace_context.h) is added to the
// ErrorInfo's metadata as `trace_id`, when the status carries an ErrorInfo.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view trace_id = {});

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_GRPC_STATUS_H_

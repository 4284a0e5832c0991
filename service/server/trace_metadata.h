// The gRPC side of the trace context: read from a call's metadata, written
// back in its trailing metadata.
#ifndef LIPSYNC_SERVICE_SERVER_TRACE_METADATA_H_
#define LIPSYNC_SERVICE_SERVER_TRACE_METADATA_H_

#include <grpcpp/grpcpp.h>

#include "service/common/trace_context.h"

namespace lipsync::server {

// The call's TraceContext from its `traceparent`, `tracestate` and
// `x-request-id` metadata (TraceContext::FromCaller). A `traceparent` sent
// more than once is malformed (W3C); several `tracestate` values are joined
// with "," as W3C combines repeated headers; of several `x-request-id`
// values the first counts. Never fails.
TraceContext TraceFromMetadata(const grpc::ServerContextBase& context);

// Adds `trace-id` and `traceparent` (the gateway's span) to the call's
// trailing metadata. Call before the call finishes; no-op without a trace.
void AddTraceTrailers(const TraceContext& trace,
                      grpc::ServerContextBase* context);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_TRACE_METADATA_H_

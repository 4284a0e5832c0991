// The access log: one JSON line ("msg":"rpc") per call, written when the call
// ends. Every call kind (unary calls, watch streams) writes it through here,
// so the line's fields and their order are defined in one place.
#ifndef LIPSYNC_SERVICE_SERVER_ACCESS_LOG_H_
#define LIPSYNC_SERVICE_SERVER_ACCESS_LOG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/common/json_log.h"

namespace lipsync::server {

// The fields of one finished call.
struct AccessLogEntry {
  // The RPC's method name, e.g. "CreateLipSyncTask".
  absl::string_view method;
  // What the call finished with.
  absl::Status status;
  // From the handler's start to the finish.
  absl::Duration elapsed;
  // gRPC's URI of the caller's address.
  std::string peer;
  // The call's trace id and the caller's x-request-id (trace_context.h);
  // each empty for none. Must outlive the entry.
  absl::string_view trace_id;
  absl::string_view x_request_id;
  // The call's own fields, in the order they were learnt: `caller` first
  // (with caller auth on), then e.g. `session_checked`, `task_id`,
  // `session_id`, `kling_request_id`. Never a secret or audio.
  LogFields call_fields;
};

// The line's fields, in this order: method, code, duration_ms (milliseconds,
// 3 decimals), peer, trace_id and x_request_id (each when not empty), the
// call's fields; for a failed call then `error` (the
// status message) and, when the status carries a google.rpc.ErrorInfo, its
// `reason` and its `kling_request_id` metadata.
LogFields AccessLogFields(AccessLogEntry entry);

// True when the line of a call that ended with `status` is written: an OK
// call's at info, a failed one's at warning (so --log_level=warning keeps
// the failed calls). Checked before an entry is built, so that a line not
// written costs nothing.
bool AccessLogEnabled(const absl::Status& status);

// Writes the entry's line (AccessLogFields) at info for an OK call, warning
// for a failed one; nothing unless AccessLogEnabled(entry.status).
// Thread-safe.
void WriteAccessLog(AccessLogEntry entry);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_ACCESS_LOG_H_

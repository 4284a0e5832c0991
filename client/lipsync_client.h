// LipSyncClient: typed, blocking calls to kling.lipsync.v1.LipSyncService.
//
// Workflow: IdentifyFace (a video → a session id and its faces) →
// CreateLipSyncTask (the session, one face, an audio) → WatchLipSyncTask
// (or GetLipSyncTask) until the task is `succeed` (result video URLs) or
// `failed`. See client/README.md for an example.
//
// Errors: every method returns the call's status as an absl::Status carrying
// the gateway's google.rpc details (see client/client_error.h); decode it
// with ClientErrorFromStatus, print it with FormatClientError. Notable codes:
//   INVALID_ARGUMENT    the gateway's validation (BadRequest lists fields)
//   DEADLINE_EXCEEDED   the per-call timeout passed
//   UNAVAILABLE         the gateway or the upstream is unreachable;
//                       Get/List were already retried (service_config.h),
//                       IdentifyFace/Create never are: they are billed, so
//                       retry a create with the same `request_id`
//   RESOURCE_EXHAUSTED  upstream rate/concurrency limits (see retry_delay)
//   UNAUTHENTICATED     no or wrong bearer token
#ifndef LIPSYNC_CLIENT_LIPSYNC_CLIENT_H_
#define LIPSYNC_CLIENT_LIPSYNC_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/channel_options.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client {

// Thread-safe: all methods are const and may run concurrently (one stub over
// one channel). Movable, not copyable.
class LipSyncClient {
 public:
  // `default_timeout` bounds every call made without an explicit timeout
  // (a non-positive one fails every such call with DEADLINE_EXCEEDED;
  // absl::InfiniteDuration() means no deadline). `per_call_bearer_token`, when
  // non-empty, is sent as `authorization: Bearer <token>` metadata on each
  // call: for plaintext channels, on which gRPC refuses call credentials. Leave
  // it empty when the channel already carries the token (MakeChannel with TLS).
  LipSyncClient(const std::shared_ptr<grpc::ChannelInterface>& channel,
                absl::Duration default_timeout,
                const std::string& per_call_bearer_token = "");

  absl::Duration default_timeout() const { return default_timeout_; }

  // Trace context (W3C traceparent): every call sends `traceparent:
  // 00-<trace id>-<new span id>-00`. With a trace id set here (32 lower-case
  // hex characters, see IsValidTraceId) every call joins that trace; with
  // none (the default) each call starts a trace of its own. A failed call's
  // status carries the trace id (the gateway's `trace-id` trailer, else the
  // one sent; ClientError::trace_id). Not thread-safe: set it before the
  // client is shared.
  void set_trace_id(std::string trace_id) { trace_id_ = std::move(trace_id); }
  const std::string& trace_id() const { return trace_id_; }

  // Billed upstream; never retried by the client.
  absl::StatusOr<kling::lipsync::v1::IdentifyFaceResponse> IdentifyFace(
      const kling::lipsync::v1::IdentifyFaceRequest& request) const;
  absl::StatusOr<kling::lipsync::v1::IdentifyFaceResponse> IdentifyFace(
      const kling::lipsync::v1::IdentifyFaceRequest& request,
      absl::Duration timeout) const;

  // Billed upstream; never retried by the client. Set `request_id` (an
  // idempotency key) so that you can safely send the same request again.
  absl::StatusOr<kling::lipsync::v1::LipSyncTask> CreateLipSyncTask(
      const kling::lipsync::v1::CreateLipSyncTaskRequest& request) const;
  absl::StatusOr<kling::lipsync::v1::LipSyncTask> CreateLipSyncTask(
      const kling::lipsync::v1::CreateLipSyncTaskRequest& request,
      absl::Duration timeout) const;

  // Retried on UNAVAILABLE within `timeout` (kServiceConfigJson).
  absl::StatusOr<kling::lipsync::v1::LipSyncTask> GetLipSyncTask(
      const kling::lipsync::v1::GetLipSyncTaskRequest& request) const;
  absl::StatusOr<kling::lipsync::v1::LipSyncTask> GetLipSyncTask(
      const kling::lipsync::v1::GetLipSyncTaskRequest& request,
      absl::Duration timeout) const;

  // Retried on UNAVAILABLE within `timeout` (kServiceConfigJson).
  absl::StatusOr<kling::lipsync::v1::ListLipSyncTasksResponse> ListLipSyncTasks(
      const kling::lipsync::v1::ListLipSyncTasksRequest& request) const;
  absl::StatusOr<kling::lipsync::v1::ListLipSyncTasksResponse> ListLipSyncTasks(
      const kling::lipsync::v1::ListLipSyncTasksRequest& request,
      absl::Duration timeout) const;

  // Opens one WatchLipSyncTask stream and calls `on_update` (on the calling
  // thread) with each task the gateway sends: the current state at once,
  // then every status change. Returns when the stream ends: OK after a
  // terminal status, DEADLINE_EXCEEDED when `timeout` (the whole stream's
  // deadline) passes, or the error that broke the stream. Not retried; to
  // follow a task across dropped connections use WatchUntilTerminal
  // (client/watch_task.h).
  absl::Status WatchLipSyncTask(
      const kling::lipsync::v1::WatchLipSyncTaskRequest& request,
      absl::Duration timeout,
      const std::function<void(const kling::lipsync::v1::LipSyncTask&)>&
          on_update) const;

 private:
  // Sets the deadline (now + timeout), the per-call token if any, and the
  // traceparent. Returns the call's trace id.
  std::string PrepareContext(grpc::ClientContext* context,
                             absl::Duration timeout) const;

  std::unique_ptr<kling::lipsync::v1::LipSyncService::StubInterface> stub_;
  absl::Duration default_timeout_;
  // "Bearer <token>", or "" when the channel carries the credential.
  std::string authorization_;
  // Empty: a new trace per call.
  std::string trace_id_;
};

// True for a W3C trace id: 32 lower-case hex characters, not all zeros.
bool IsValidTraceId(absl::string_view trace_id);
// A random W3C trace id.
std::string NewTraceId();

// The usual way to get a client: MakeChannel(options) plus, on a plaintext
// channel, the bearer token as per-call metadata. Errors: as MakeChannel;
// INVALID_ARGUMENT when default_timeout <= 0.
absl::StatusOr<std::unique_ptr<LipSyncClient>> MakeLipSyncClient(
    const ChannelOptions& options, absl::Duration default_timeout);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_LIPSYNC_CLIENT_H_

// Per-call state shared by every layer below the gRPC edge: the deadline,
// cancellation and the trace context. Created by the edge for each caller
// RPC.
#ifndef LIPSYNC_SERVICE_COMMON_CALL_CONTEXT_H_
#define LIPSYNC_SERVICE_COMMON_CALL_CONTEXT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/trace_context.h"

namespace lipsync {

// Thread-safe. Shared (std::shared_ptr) between the gRPC reactor and the
// upstream transfer it starts, so that either may outlive the other.
class CallContext {
 public:
  explicit CallContext(absl::Time deadline) : deadline_(deadline) {}
  CallContext(absl::Time deadline, std::string upstream_external_task_id)
      : deadline_(deadline),
        upstream_external_task_id_(std::move(upstream_external_task_id)) {}
  CallContext(absl::Time deadline, TraceContext trace,
              std::string upstream_external_task_id = {})
      : deadline_(deadline),
        upstream_external_task_id_(std::move(upstream_external_task_id)),
        trace_(std::move(trace)) {}
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  // When the caller stops waiting (its gRPC deadline, or the gateway's
  // default when the caller set none).
  absl::Time deadline() const { return deadline_; }

  // The `external_task_id` that a create made under this context sends
  // upstream when its request has none; empty for none. Set by the
  // idempotency layer on the context it owns, so that the key reaches the
  // upstream body without a modified copy of the request (which can carry
  // 5 MB of audio). Immutable, so safe to read from any thread.
  const std::string& upstream_external_task_id() const {
    return upstream_external_task_id_;
  }

  // The trace this call belongs to (service/common/trace_context.h): its
  // trace id goes on every log line of the call, a child traceparent on
  // every upstream request. Without a trace (work no caller started) every
  // accessor is empty. Immutable, so safe to read from any thread.
  const TraceContext& trace() const { return trace_; }

  // The authenticated caller's name, set by the edge once caller auth has
  // admitted the call; empty when callers are not authenticated. Scopes the
  // shared idempotency keys, so one caller cannot reach another's task.
  void SetCaller(std::string caller);
  std::string caller() const;

  // Called by the edge when the caller cancels. Idempotent. Runs the current
  // cancel hook (outside the lock), so an in-flight transfer stops at once.
  void Cancel();
  bool cancelled() const;

  // Installs the hook that aborts the current upstream work; runs it at once
  // if the call is already cancelled. Returns a token for ClearCancelHook.
  uint64_t SetCancelHook(std::function<void()> hook);
  // Removes the hook installed under `token` (no-op if replaced since).
  void ClearCancelHook(uint64_t token);

 private:
  const absl::Time deadline_;
  const std::string upstream_external_task_id_;
  const TraceContext trace_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t hook_token_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
  std::string caller_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_CALL_CONTEXT_H_

// The reactor of one WatchLipSyncTask stream: registers with the shared
// TaskWatchHub, writes each new status (one write in flight at a time, the
// next started from OnWriteDone), finishes OK after a terminal status, and
// deletes itself in OnDone.
#ifndef LIPSYNC_SERVICE_SERVER_WATCH_CALL_H_
#define LIPSYNC_SERVICE_SERVER_WATCH_CALL_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/trace_context.h"
#include "service/resilience/scheduler.h"
#include "service/workflow/task_watch_hub.h"

namespace lipsync::server {

namespace v1 = ::kling::lipsync::v1;

class WatchCall final : public grpc::ServerWriteReactor<v1::LipSyncTask> {
 public:
  // Starts the watch at once. `hub` and `scheduler` must outlive the call.
  // `trace`: the stream's trace context; its trace id goes into the final
  // status's ErrorInfo, and a poller this watch starts reads the task under
  // it.
  // `end_by`: when the gateway ends the stream itself (DEADLINE_EXCEEDED) if
  // the caller's own deadline has not ended it before. `on_done` runs once
  // the stream is over, with the status it finished with.
  using DoneCallback = std::function<void(const absl::Status& final_status)>;
  static WatchCall* Start(grpc::CallbackServerContext* context,
                          const v1::WatchLipSyncTaskRequest& request,
                          TraceContext trace,
                          std::shared_ptr<workflow::TaskWatchHub> hub,
                          resilience::Scheduler* scheduler, absl::Time end_by,
                          DoneCallback on_done);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Forwards hub events to the call while it lives; the hub may hold it
  // after the call is gone.
  class Watcher;

  WatchCall(const v1::WatchLipSyncTaskRequest& request, std::string trace_id,
            std::shared_ptr<workflow::TaskWatchHub> hub,
            resilience::Scheduler* scheduler, DoneCallback on_done);
  void Deliver(const v1::LipSyncTask& task);
  void End(const absl::Status& status);
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const v1::WatchLipSyncTaskRequest request_;
  const std::string trace_id_;
  const std::shared_ptr<workflow::TaskWatchHub> hub_;
  resilience::Scheduler* const scheduler_;
  const DoneCallback on_done_;
  std::shared_ptr<Watcher> watcher_;
  uint64_t end_timer_ = 0;

  absl::Mutex mu_;
  std::deque<v1::LipSyncTask> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);
  v1::TaskStatus last_status_ ABSL_GUARDED_BY(mu_) =
      v1::TASK_STATUS_UNSPECIFIED;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_WATCH_CALL_H_

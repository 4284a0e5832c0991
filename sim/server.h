#ifndef LIPSYNC_SIM_SERVER_H_
#define LIPSYNC_SIM_SERVER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "sim/api_service.h"
#include "sim/authenticator.h"
#include "sim/callbacks.h"
#include "sim/control_service.h"
#include "sim/faults.h"
#include "sim/ids.h"
#include "sim/request_log.h"
#include "sim/session_store.h"
#include "sim/sim_options.h"
#include "sim/task_store.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace kling_sim {

class HttpServer;  // cpp-httplib server with a deeper listen backlog

// kling-sim's HTTP/1.1 server: routes /v1/ to the Kling API (recording each
// request and applying queued faults) and /_sim/ to the control API.
//
// Usage: Bind(), then Run() on one thread; Stop() from any thread makes
// Run() return.
class SimServer {
 public:
  explicit SimServer(SimOptions options);
  ~SimServer();

  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds the listening socket; returns the bound port.
  absl::StatusOr<int> Bind();
  // Serves until Stop(). Returns false if serving failed.
  bool Run();
  // Thread-safe, idempotent. Cuts hangs, drips and huge answers short.
  void Stop();

 private:
  void HandleApi(const httplib::Request& req, httplib::Response& res);
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  void Hang(const httplib::Request& req, const Fault& fault);
  void SleepLatency();

  const SimOptions options_;
  IdGenerator ids_;
  SessionStore sessions_;
  TaskStore tasks_;
  RequestLog log_;
  FaultQueue faults_;
  Authenticator authenticator_;
  CallbackDispatcher callbacks_;
  KlingApi api_;
  ControlService control_;

  absl::Notification stopping_;
  absl::Mutex run_mu_;
  bool stop_requested_ ABSL_GUARDED_BY(run_mu_) = false;
  bool running_ ABSL_GUARDED_BY(run_mu_) = false;  // inside Run()
  std::unique_ptr<HttpServer> http_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_SERVER_H_

#ifndef LIPSYNC_SIM_CONTROL_SERVICE_H_
#define LIPSYNC_SIM_CONTROL_SERVICE_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "sim/callbacks.h"
#include "sim/faults.h"
#include "sim/request_log.h"
#include "sim/session_store.h"
#include "sim/task_store.h"

namespace kling_sim {

// An answer of the /_sim/ test-control API (plain JSON, no envelope).
struct ControlAnswer {
  int http_status = 200;
  nlohmann::ordered_json body;
};

// The /_sim/ endpoints that tests use to inspect and steer the sim (no auth):
// GET/DELETE /_sim/requests, POST /_sim/reset, GET /_sim/stats,
// GET/POST/DELETE /_sim/faults, GET /_sim/health. Thread-safe; everything
// passed in must outlive it (callbacks may be null).
class ControlService {
 public:
  ControlService(RequestLog* log, FaultQueue* faults, TaskStore* tasks,
                 SessionStore* sessions, CallbackDispatcher* callbacks)
      : log_(log),
        faults_(faults),
        tasks_(tasks),
        sessions_(sessions),
        callbacks_(callbacks) {}

  ControlAnswer Handle(absl::string_view method, absl::string_view path,
                       const std::multimap<std::string, std::string>& params,
                       absl::string_view body);

 private:
  ControlAnswer AddFault(absl::string_view body);

  RequestLog* const log_;
  FaultQueue* const faults_;
  TaskStore* const tasks_;
  SessionStore* const sessions_;
  CallbackDispatcher* const callbacks_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_CONTROL_SERVICE_H_

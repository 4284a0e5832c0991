#ifndef LIPSYNC_SIM_API_SERVICE_H_
#define LIPSYNC_SIM_API_SERVICE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "sim/api_answer.h"
#include "sim/authenticator.h"
#include "sim/base64.h"
#include "sim/callbacks.h"
#include "sim/clock.h"
#include "sim/ids.h"
#include "sim/session_store.h"
#include "sim/sim_options.h"
#include "sim/task_store.h"

namespace kling_sim {

// One /v1/ request, independent of the HTTP library.
struct ApiRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;  // decoded query
  std::optional<std::string> authorization;        // the header, if sent
  absl::string_view body;
  std::string request_id;
};

// The answer, and what the request record should learn from the handler.
struct ApiResult {
  ApiAnswer answer;
  std::optional<Base64Digest> sound_file;
};

// The Kling API itself: auth, the four endpoints, their checks and effects.
// Knows nothing of HTTP sockets or faults. Thread-safe; the stores, ids,
// authenticator and dispatcher must outlive it (dispatcher may be null).
class KlingApi {
 public:
  KlingApi(const SimOptions& options, SessionStore* sessions, TaskStore* tasks,
           IdGenerator* ids, const Authenticator* authenticator,
           CallbackDispatcher* callbacks, NowMsFn now_ms);

  ApiResult Handle(const ApiRequest& request);

  // A stable name for the request's endpoint, for /_sim/stats
  // ("GET /v1/videos/advanced-lip-sync/{id}").
  static std::string RouteOf(absl::string_view method, absl::string_view path);

  const TaskTimeline& timeline() const { return timeline_; }

 private:
  ApiResult IdentifyFace(const ApiRequest& request);
  ApiResult CreateTask(const ApiRequest& request);
  ApiResult QueryTask(const ApiRequest& request, absl::string_view id);
  ApiResult ListTasks(const ApiRequest& request);

  const bool strict_sessions_;
  const TaskTimeline timeline_;
  SessionStore* const sessions_;
  TaskStore* const tasks_;
  IdGenerator* const ids_;
  const Authenticator* const authenticator_;
  CallbackDispatcher* const callbacks_;
  const NowMsFn now_ms_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_API_SERVICE_H_

#ifndef LIPSYNC_SIM_CALLBACKS_H_
#define LIPSYNC_SIM_CALLBACKS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "sim/clock.h"
#include "sim/task_store.h"

namespace kling_sim {

// Parts of a callback URL that httplib::Client needs.
struct CallbackTarget {
  std::string scheme_host_port;  // "http://127.0.0.1:8080"
  std::string path;              // "/hook?x=1", at least "/"
};

// Parses an http(s) URL and returns its target only when its host is a
// loopback address (127.0.0.0/8, ::1 or "localhost"): the sim must never
// send traffic off the machine. std::nullopt otherwise.
std::optional<CallbackTarget> LoopbackCallbackTarget(absl::string_view url);

// Delivers Kling's status-change callbacks: when a task is created with a
// loopback callback_url, one POST per status change (submitted, processing,
// succeed/failed) is sent when that change happens. One background thread;
// the pending deliveries are bounded (beyond `max_pending` new tasks are
// logged and skipped). Thread-safe.
class CallbackDispatcher {
 public:
  CallbackDispatcher(const TaskStore* tasks, TaskTimeline timeline,
                     NowMsFn now_ms, size_t max_pending = 10000);
  ~CallbackDispatcher();  // stops the thread; pending deliveries are dropped

  CallbackDispatcher(const CallbackDispatcher&) = delete;
  CallbackDispatcher& operator=(const CallbackDispatcher&) = delete;

  // Schedules the task's callbacks (no-op without a callback_url).
  void TaskCreated(const LipSyncTask& task);
  // Drops every pending delivery (/_sim/reset).
  void Clear();

 private:
  struct Delivery {
    std::string task_id;
    CallbackTarget target;
  };

  void Run();
  void Deliver(const Delivery& delivery, int64_t due_ms);

  const TaskStore* const tasks_;
  const TaskTimeline timeline_;
  const NowMsFn now_ms_;
  const size_t max_pending_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Due time (Unix ms) -> delivery; the earliest first.
  std::multimap<int64_t, Delivery> pending_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_CALLBACKS_H_

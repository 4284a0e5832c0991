#ifndef LIPSYNC_SIM_TASK_VIEW_H_
#define LIPSYNC_SIM_TASK_VIEW_H_

#include <cstdint>
#include <string>

#include "nlohmann/json.hpp"
#include "sim/task_store.h"

namespace kling_sim {

// The JSON shapes of a task, exactly as CONTRACT.md sections 2, 3 and 5 give
// them. Pure functions of the task and its state at some instant.

// "5.0", "12.345": Kling gives durations as strings of seconds.
std::string FormatSeconds(int64_t ms);

// `data` of a successful create: {task_id, task_status, task_info:
// {external_task_id}, created_at, updated_at}; external_task_id is omitted
// when the caller gave none.
nlohmann::ordered_json RenderCreatedTask(const LipSyncTask& task);

// `data` of a query (and each element of a list).
nlohmann::ordered_json RenderTask(const LipSyncTask& task,
                                  const TaskState& state);

// The body POSTed to callback_url (no envelope).
nlohmann::ordered_json RenderCallback(const LipSyncTask& task,
                                      const TaskState& state);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_TASK_VIEW_H_

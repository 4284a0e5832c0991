#ifndef LIPSYNC_SIM_REQUEST_LOG_H_
#define LIPSYNC_SIM_REQUEST_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "sim/base64.h"

namespace kling_sim {

// Bodies above this are recorded by size only.
inline constexpr size_t kMaxRecordedBodyBytes = 1024 * 1024;

// One API request as it arrived, for tests to inspect via /_sim/requests.
struct RecordedRequest {
  std::string method;
  std::string path;
  std::string query;  // raw, without '?'
  // Lower-cased names; repeated headers joined with ", ".
  std::map<std::string, std::string> headers;
  std::optional<std::string> body;  // absent above kMaxRecordedBodyBytes
  size_t body_size = 0;
  std::optional<Base64Digest> sound_file;  // base64 sound_file of a create
};

// Recorded bodies in total are kept under this, so that a benchmark of 1 MB
// creates cannot fill the memory; the oldest entries go first.
inline constexpr size_t kMaxRecordedBytesTotal = 256 * 1024 * 1024;

// The record of API requests (arrival order, bounded: the oldest entries are
// dropped beyond `max_entries` or kMaxRecordedBytesTotal) and counters that
// survive clearing it. Thread-safe.
class RequestLog {
 public:
  explicit RequestLog(size_t max_entries) : max_entries_(max_entries) {}

  // Records `request` and counts it under `route` (e.g.
  // "GET /v1/videos/advanced-lip-sync/{id}"). Returns a handle for Annotate.
  uint64_t Append(RecordedRequest request, const std::string& route);

  // Adds what only the handler learns (the sound_file digest) to an entry,
  // if it is still recorded.
  void Annotate(uint64_t handle, const Base64Digest& sound_file);

  // The record as a JSON array, only paths starting with `path_prefix`.
  nlohmann::ordered_json ToJson(absl::string_view path_prefix) const;
  // {"requests_total": N, "by_path": {route: count}}
  nlohmann::ordered_json StatsJson() const;

  void ClearRecord();
  void ClearAll();  // record and counters

 private:
  void PopOldestLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  mutable absl::Mutex mu_;
  uint64_t first_handle_ ABSL_GUARDED_BY(mu_) = 0;  // handle of entries_[0]
  std::deque<RecordedRequest> entries_ ABSL_GUARDED_BY(mu_);
  size_t recorded_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // bodies in entries_
  uint64_t requests_total_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, uint64_t> by_route_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_REQUEST_LOG_H_

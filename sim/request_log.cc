#include "sim/request_log.h"

#include "absl/strings/match.h"

namespace kling_sim {

uint64_t RequestLog::Append(RecordedRequest request, const std::string& route) {
  absl::MutexLock lock(&mu_);
  ++requests_total_;
  ++by_route_[route];
  recorded_bytes_ += request.body.has_value() ? request.body->size() : 0;
  entries_.push_back(std::move(request));
  const uint64_t handle = first_handle_ + entries_.size() - 1;
  while (entries_.size() > max_entries_ ||
         (recorded_bytes_ > kMaxRecordedBytesTotal && entries_.size() > 1)) {
    PopOldestLocked();
  }
  return handle;
}

void RequestLog::PopOldestLocked() {
  const RecordedRequest& oldest = entries_.front();
  recorded_bytes_ -= oldest.body.has_value() ? oldest.body->size() : 0;
  entries_.pop_front();
  ++first_handle_;
}

void RequestLog::Annotate(uint64_t handle, const Base64Digest& sound_file) {
  absl::MutexLock lock(&mu_);
  if (handle < first_handle_ || handle - first_handle_ >= entries_.size()) {
    return;  // dropped or cleared meanwhile
  }
  entries_[handle - first_handle_].sound_file = sound_file;
}

nlohmann::ordered_json RequestLog::ToJson(absl::string_view path_prefix) const {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  absl::MutexLock lock(&mu_);
  for (const RecordedRequest& entry : entries_) {
    if (!absl::StartsWith(entry.path, path_prefix)) continue;
    nlohmann::ordered_json item = {{"method", entry.method},
                                   {"path", entry.path},
                                   {"query", entry.query},
                                   {"headers", entry.headers},
                                   {"body_size", entry.body_size}};
    if (entry.body.has_value()) item["body"] = *entry.body;
    if (entry.sound_file.has_value()) {
      item["sound_file_decoded_size"] = entry.sound_file->decoded_size;
      item["sound_file_fnv1a64"] = Hex16(entry.sound_file->fnv1a64);
    }
    out.push_back(std::move(item));
  }
  return out;
}

nlohmann::ordered_json RequestLog::StatsJson() const {
  absl::MutexLock lock(&mu_);
  return {{"requests_total", requests_total_},
          {"by_path", by_route_},
          {"recorded", entries_.size()}};
}

void RequestLog::ClearRecord() {
  absl::MutexLock lock(&mu_);
  first_handle_ += entries_.size();
  entries_.clear();
  recorded_bytes_ = 0;
}

void RequestLog::ClearAll() {
  absl::MutexLock lock(&mu_);
  first_handle_ += entries_.size();
  entries_.clear();
  recorded_bytes_ = 0;
  requests_total_ = 0;
  by_route_.clear();
}

}  // namespace kling_sim

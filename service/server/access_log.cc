#include "service/server/access_log.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "service/common/status_details.h"

namespace lipsync::server {

LogFields AccessLogFields(AccessLogEntry entry) {
  LogFields fields;
  fields.reserve(entry.call_fields.size() + 9);
  fields.emplace_back("method", std::string(entry.method));
  fields.emplace_back("code", absl::StatusCodeToString(entry.status.code()));
  fields.emplace_back(
      "duration_ms",
      absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(entry.elapsed)));
  fields.emplace_back("peer", std::move(entry.peer));
  if (!entry.trace_id.empty()) {
    fields.emplace_back("trace_id", std::string(entry.trace_id));
  }
  if (!entry.x_request_id.empty()) {
    fields.emplace_back("x_request_id", std::string(entry.x_request_id));
  }
  for (auto& field : entry.call_fields) fields.push_back(std::move(field));
  if (!entry.status.ok()) {
    fields.emplace_back("error", std::string(entry.status.message()));
    if (auto info = GetErrorInfo(entry.status)) {
      fields.emplace_back("reason", info->reason());
      auto it = info->metadata().find("kling_request_id");
      if (it != info->metadata().end()) {
        fields.emplace_back("kling_request_id", it->second);
      }
    }
  }
  return fields;
}

namespace {

LogLevel AccessLogLevel(const absl::Status& status) {
  return status.ok() ? LogLevel::kInfo : LogLevel::kWarning;
}

}  // namespace

bool AccessLogEnabled(const absl::Status& status) {
  return LogEnabled(AccessLogLevel(status));
}

void WriteAccessLog(AccessLogEntry entry) {
  const LogLevel level = AccessLogLevel(entry.status);
  if (!LogEnabled(level)) return;
  LogJson(level, "rpc", AccessLogFields(std::move(entry)));
}

}  // namespace lipsync::server

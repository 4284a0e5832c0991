#include "sim/control_service.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kling_sim {
namespace {

using json = nlohmann::ordered_json;

ControlAnswer Ok(json body) { return {200, std::move(body)}; }

ControlAnswer Error(int status, std::string message) {
  return {status, {{"error", std::move(message)}}};
}

}  // namespace

ControlAnswer ControlService::Handle(
    absl::string_view method, absl::string_view path,
    const std::multimap<std::string, std::string>& params,
    absl::string_view body) {
  if (path == "/_sim/requests") {
    if (method == "GET") {
      auto prefix = params.find("path_prefix");
      return Ok(log_->ToJson(prefix == params.end() ? "" : prefix->second));
    }
    if (method == "DELETE") {
      log_->ClearRecord();
      return Ok({{"cleared", "requests"}});
    }
  } else if (path == "/_sim/reset") {
    if (method == "POST") {
      log_->ClearAll();
      faults_->Clear();
      tasks_->Clear();
      sessions_->Clear();
      if (callbacks_ != nullptr) callbacks_->Clear();
      return Ok({{"cleared", "everything"}});
    }
  } else if (path == "/_sim/stats") {
    if (method == "GET") {
      json stats = log_->StatsJson();
      stats["tasks"] = tasks_->size();
      return Ok(std::move(stats));
    }
  } else if (path == "/_sim/faults") {
    if (method == "GET") return Ok(faults_->ToJson());
    if (method == "POST") return AddFault(body);
    if (method == "DELETE") {
      faults_->Clear();
      return Ok({{"cleared", "faults"}});
    }
  } else if (path == "/_sim/health") {
    if (method == "GET") return Ok({{"ok", true}});
  } else {
    return Error(404, absl::StrCat("no such control endpoint: ", path));
  }
  return Error(405, absl::StrCat(method, " is not supported on ", path));
}

ControlAnswer ControlService::AddFault(absl::string_view body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return Error(400, "body is not valid JSON");
  absl::StatusOr<FaultSpec> spec = ParseFaultSpec(parsed);
  if (!spec.ok()) return Error(400, std::string(spec.status().message()));
  json queued = spec->fault.ToJson();
  queued["count"] = spec->count;
  faults_->Add(*std::move(spec));
  return Ok({{"queued", std::move(queued)}});
}

}  // namespace kling_sim

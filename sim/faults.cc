#include "sim/faults.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kling_sim {
namespace {

using nlohmann::json;

struct KindName {
  FaultKind kind;
  const char* name;
};

constexpr KindName kKindNames[] = {
    {FaultKind::kLatency, "latency"},
    {FaultKind::kHang, "hang"},
    {FaultKind::kError, "error"},
    {FaultKind::kRateLimit, "rate_limit"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kTruncatedJson, "truncated_json"},
    {FaultKind::kMalformedJson, "malformed_json"},
    {FaultKind::kCodeIn200, "code_in_200"},
    {FaultKind::kEmptyBody, "empty_body"},
    {FaultKind::kEmptyObject, "empty_object"},
    {FaultKind::kHuge, "huge"},
    {FaultKind::kSlowDrip, "slow_drip"},
};

// Reads an optional integer parameter within [low, high] into `out`.
absl::Status ReadInt(const json& body, const char* key, int64_t low,
                     int64_t high, int64_t* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat(key, " must be an integer"));
  }
  const int64_t value = it->get<int64_t>();
  if (value < low || value > high) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " must be in [", low, ", ", high, "]"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ReadString(const json& body, const char* key, std::string* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(key, " must be a string"));
  }
  *out = it->get<std::string>();
  return absl::OkStatus();
}

}  // namespace

const char* FaultKindName(FaultKind kind) {
  for (const KindName& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

bool AppliesBeforeEffect(FaultKind kind) {
  return kind == FaultKind::kError || kind == FaultKind::kRateLimit ||
         kind == FaultKind::kHang;
}

nlohmann::ordered_json Fault::ToJson() const {
  return {{"fault", FaultKindName(kind)}, {"method", method},
          {"path_prefix", path_prefix},   {"ms", ms},
          {"interval_ms", interval_ms},   {"bytes", bytes},
          {"http_status", http_status},   {"code", code},
          {"message", message},           {"retry_after_s", retry_after_s}};
}

absl::StatusOr<FaultSpec> ParseFaultSpec(const json& body) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("body must be a JSON object");
  }
  FaultSpec spec;
  Fault& fault = spec.fault;

  std::string kind_name;
  if (absl::Status s = ReadString(body, "fault", &kind_name); !s.ok()) {
    return s;
  }
  bool known = false;
  for (const KindName& entry : kKindNames) {
    if (kind_name == entry.name) {
      fault.kind = entry.kind;
      known = true;
    }
  }
  if (!known) {
    std::string names;
    for (const KindName& entry : kKindNames) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", entry.name);
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "fault must be one of ", names, " (got '", kind_name, "')"));
  }
  if (fault.kind == FaultKind::kCodeIn200) fault.http_status = 200;

  int64_t http_status = fault.http_status, code = fault.code,
          retry_after_s = fault.retry_after_s;
  for (absl::Status s : {
           ReadString(body, "method", &fault.method),
           ReadString(body, "path_prefix", &fault.path_prefix),
           ReadString(body, "message", &fault.message),
           ReadInt(body, "count", 1, 1000000, &spec.count),
           ReadInt(body, "ms", 0, 600000, &fault.ms),
           ReadInt(body, "interval_ms", 0, 60000, &fault.interval_ms),
           ReadInt(body, "bytes", 0, 4LL << 30, &fault.bytes),
           ReadInt(body, "http_status", 100, 599, &http_status),
           ReadInt(body, "code", -1000000, 1000000, &code),
           ReadInt(body, "retry_after_s", 0, 86400, &retry_after_s),
           ReadInt(body, "hang_max_ms", 0, 120000, &fault.hang_max_ms),
       }) {
    if (!s.ok()) return s;
  }
  fault.method = absl::AsciiStrToUpper(fault.method);
  fault.http_status = static_cast<int>(http_status);
  fault.code = static_cast<int>(code);
  fault.retry_after_s = static_cast<int>(retry_after_s);
  return spec;
}

void FaultQueue::Add(FaultSpec spec) {
  absl::MutexLock lock(&mu_);
  pending_.push_back(std::move(spec));
}

std::optional<Fault> FaultQueue::Take(absl::string_view method,
                                      absl::string_view path) {
  absl::MutexLock lock(&mu_);
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    const Fault& fault = it->fault;
    if (!fault.method.empty() && fault.method != method) continue;
    if (!absl::StartsWith(path, fault.path_prefix)) continue;
    Fault taken = fault;
    if (--it->count <= 0) pending_.erase(it);
    return taken;
  }
  return std::nullopt;
}

void FaultQueue::Clear() {
  absl::MutexLock lock(&mu_);
  pending_.clear();
}

nlohmann::ordered_json FaultQueue::ToJson() const {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  absl::MutexLock lock(&mu_);
  for (const FaultSpec& spec : pending_) {
    nlohmann::ordered_json item = spec.fault.ToJson();
    item["count"] = spec.count;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace kling_sim

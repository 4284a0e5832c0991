// FormatClientError (declared in client/client_error.h).
#include "absl/strings/str_cat.h"
#include "client/client_error.h"
#include "client/printable_text.h"

namespace lipsync::client {
namespace {

// Metadata keys shown first, under a readable label; other keys follow in
// key order under their own names.
struct KnownKey {
  const char* key;
  const char* label;
};
constexpr KnownKey kKnownKeys[] = {
    {kKlingCodeKey, "Kling code"},
    {kKlingRequestIdKey, "Kling request id"},
    {kHttpStatusKey, "HTTP status"},
    {kKlingMessageKey, "Kling message"},
};

// The gateway's count of field violations: redundant once they are listed.
constexpr char kViolationCountKey[] = "violations";

bool IsKnownKey(const std::string& key) {
  // Printed once, on a line of its own (ClientError::trace_id).
  if (key == kTraceIdKey) return true;
  for (const auto& known : kKnownKeys) {
    if (key == known.key) return true;
  }
  return false;
}

void AppendLine(std::string* out, absl::string_view label,
                absl::string_view value) {
  absl::StrAppend(out, "\n  ", PrintableText(label), ": ",
                  PrintableText(value));
}

void AppendErrorInfo(const ErrorInfo& info, bool violations_listed,
                     std::string* out) {
  if (!info.reason.empty()) {
    AppendLine(out, "reason",
               info.domain.empty()
                   ? info.reason
                   : absl::StrCat(info.reason, " (", info.domain, ")"));
  }
  for (const auto& known : kKnownKeys) {
    auto it = info.metadata.find(known.key);
    if (it != info.metadata.end()) AppendLine(out, known.label, it->second);
  }
  for (const auto& [key, value] : info.metadata) {
    if (IsKnownKey(key)) continue;
    if (violations_listed && key == kViolationCountKey) continue;
    AppendLine(out, key, value);
  }
}

}  // namespace

std::string FormatClientError(const ClientError& error) {
  std::string out =
      absl::StrCat("error: ", absl::StatusCodeToString(error.code));
  if (!error.message.empty()) {
    absl::StrAppend(&out, ": ", PrintableText(error.message));
  }
  for (const auto& violation : error.field_violations) {
    AppendLine(&out, violation.field.empty() ? "(request)" : violation.field,
               violation.description);
  }
  if (error.error_info) {
    AppendErrorInfo(*error.error_info, !error.field_violations.empty(), &out);
  }
  if (error.retry_delay) {
    AppendLine(&out, "retry after", absl::FormatDuration(*error.retry_delay));
  }
  const std::string trace_id =
      error.trace_id.empty() ? error.Metadata(kTraceIdKey) : error.trace_id;
  if (!trace_id.empty()) AppendLine(&out, "trace id", trace_id);
  return out;
}

std::string FormatClientError(const absl::Status& status) {
  return FormatClientError(ClientErrorFromStatus(status));
}

}  // namespace lipsync::client

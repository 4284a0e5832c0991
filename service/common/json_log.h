// Structured logging: one JSON object per line on stderr, written with a
// single write so lines from different threads never interleave.
#ifndef LIPSYNC_SERVICE_COMMON_JSON_LOG_H_
#define LIPSYNC_SERVICE_COMMON_JSON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace lipsync {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug" | "info" | "warning" | "error"; false on anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* level);
// Lines below `level` are dropped. Default: info. Thread-safe.
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogFields = std::vector<std::pair<std::string, std::string>>;

// Writes {"ts":..., "level":..., "msg": msg, <fields>...}. Field values are
// JSON strings; never pass secrets or audio. While a ScopedLogTraceId is
// active on the calling thread and `fields` has no `trace_id`, the line ends
// with that `trace_id`.
void LogJson(LogLevel level, absl::string_view msg, const LogFields& fields);

// Tags every LogJson line written by this thread, while the object lives,
// with `trace_id` (empty: no tag), so that lines written deep in a call's
// work (a retry, a circuit breaker transition) name the call's trace.
// Nests: the destructor restores the outer tag. `trace_id` must outlive the
// object. Not movable; stack-only.
class ScopedLogTraceId {
 public:
  explicit ScopedLogTraceId(absl::string_view trace_id);
  ~ScopedLogTraceId();
  ScopedLogTraceId(const ScopedLogTraceId&) = delete;
  ScopedLogTraceId& operator=(const ScopedLogTraceId&) = delete;

 private:
  absl::string_view outer_;
};

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_JSON_LOG_H_

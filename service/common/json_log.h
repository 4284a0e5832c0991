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
// JSON strings; never pass secrets or audio.
void LogJson(LogLevel level, absl::string_view msg, const LogFields& fields);

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_JSON_LOG_H_

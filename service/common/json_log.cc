#include "service/common/json_log.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace lipsync {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

// The calling thread's ScopedLogTraceId tag.
thread_local absl::string_view t_trace_id;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void AppendQuoted(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                     LogLevel::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void LogJson(LogLevel level, absl::string_view msg, const LogFields& fields) {
  if (!LogEnabled(level)) return;
  std::string line = "{\"ts\":";
  AppendQuoted(&line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                       absl::UTCTimeZone()));
  line.append(",\"level\":");
  AppendQuoted(&line, LevelName(level));
  line.append(",\"msg\":");
  AppendQuoted(&line, msg);
  bool has_trace_id = false;
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendQuoted(&line, key);
    line.push_back(':');
    AppendQuoted(&line, value);
    has_trace_id |= key == "trace_id";
  }
  if (!has_trace_id && !t_trace_id.empty()) {
    line.append(",\"trace_id\":");
    AppendQuoted(&line, t_trace_id);
  }
  line.append("}\n");
  // One write(2) per line: atomic for our line sizes, no interleaving.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

ScopedLogTraceId::ScopedLogTraceId(absl::string_view trace_id)
    : outer_(t_trace_id) {
  t_trace_id = trace_id;
}

ScopedLogTraceId::~ScopedLogTraceId() { t_trace_id = outer_; }

}  // namespace lipsync

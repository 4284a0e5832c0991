#include "bench/loadgen/json_line.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lipsync::bench {

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

void JsonLine::Key(absl::string_view key) {
  if (!body_.empty()) body_.push_back(',');
  absl::StrAppend(&body_, JsonQuote(key), ":");
}

JsonLine& JsonLine::Add(absl::string_view key, absl::string_view value) {
  Key(key);
  body_ += JsonQuote(value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key, double value) {
  Key(key);
  absl::StrAppendFormat(&body_, "%.4f", value);
  return *this;
}

JsonLine& JsonLine::Add(absl::string_view key,
                        const std::map<std::string, int64_t>& m) {
  Key(key);
  body_.push_back('{');
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) body_.push_back(',');
    first = false;
    absl::StrAppend(&body_, JsonQuote(k), ":", v);
  }
  body_.push_back('}');
  return *this;
}

}  // namespace lipsync::bench

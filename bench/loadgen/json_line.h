// One flat JSON object per line on stdout, for bench/run.sh to read.
#ifndef LIPSYNC_BENCH_LOADGEN_JSON_LINE_H_
#define LIPSYNC_BENCH_LOADGEN_JSON_LINE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace lipsync::bench {

class JsonLine {
 public:
  JsonLine& Add(absl::string_view key, absl::string_view value);
  JsonLine& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonLine& Add(absl::string_view key, int64_t value);
  JsonLine& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  JsonLine& Add(absl::string_view key, double value);
  // A nested object of counters, e.g. calls by gRPC code.
  JsonLine& Add(absl::string_view key, const std::map<std::string, int64_t>& m);
  // `{...}` without a trailing newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_;
};

// `s` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view s);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_JSON_LINE_H_

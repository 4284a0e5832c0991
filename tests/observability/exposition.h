// The Prometheus text exposition of a registry, and a lookup of one sample
// in it, for tests.
#ifndef LIPSYNC_TESTS_OBSERVABILITY_EXPOSITION_H_
#define LIPSYNC_TESTS_OBSERVABILITY_EXPOSITION_H_

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace lipsync::observability::testing_util {

inline std::string Exposition(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

// The value of the sample line that starts with `series` (the metric name
// and its labels exactly as exposed, e.g. `a_total{x="1"}`), if any.
inline std::optional<double> SampleValue(const std::string& exposition,
                                         const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.size() > series.size() &&
        line.substr(0, series.size()) == series && line[series.size()] == ' ') {
      double value = 0;
      std::vector<absl::string_view> fields =
          absl::StrSplit(line.substr(series.size() + 1), ' ');
      if (!fields.empty() && absl::SimpleAtod(fields[0], &value)) return value;
    }
  }
  return std::nullopt;
}

}  // namespace lipsync::observability::testing_util

#endif  // LIPSYNC_TESTS_OBSERVABILITY_EXPOSITION_H_

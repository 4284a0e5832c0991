// Readers of the gateway's stored Redis values: text fields, each ended by a
// separator, and length-prefixed byte fields ("<bytes>:<content>;"). Every
// reader consumes from the front of `*in` on success and returns false on
// anything malformed (the caller then treats the value as absent).
#ifndef LIPSYNC_SERVICE_SHAREDSTATE_STORED_VALUE_H_
#define LIPSYNC_SERVICE_SHAREDSTATE_STORED_VALUE_H_

#include <cstddef>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace lipsync::sharedstate {

// A decimal integer (int64_t, uint64_t, ...) followed by `end`.
template <typename Int>
bool ConsumeNumber(absl::string_view* in, char end, Int* value) {
  const std::size_t stop = in->find(end);
  if (stop == absl::string_view::npos || stop == 0) return false;
  if (!absl::SimpleAtoi(in->substr(0, stop), value)) return false;
  in->remove_prefix(stop + 1);
  return true;
}

// "<bytes>:<content>;" with at most `max_bytes` of content; `*out` views it.
inline bool ConsumeSized(absl::string_view* in, std::size_t max_bytes,
                         absl::string_view* out) {
  std::size_t bytes = 0;
  if (!ConsumeNumber(in, ':', &bytes) || bytes > max_bytes ||
      in->size() < bytes + 1 || (*in)[bytes] != ';') {
    return false;
  }
  *out = in->substr(0, bytes);
  in->remove_prefix(bytes + 1);
  return true;
}

}  // namespace lipsync::sharedstate

#endif  // LIPSYNC_SERVICE_SHAREDSTATE_STORED_VALUE_H_

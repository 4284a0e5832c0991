// Standard Base64 (RFC 4648 §4, alphabet A-Z a-z 0-9 + /, '=' padding), the
// encoding the upstream expects in `sound_file`. Written for audio-sized
// inputs: encoding runs in one pass straight into a caller-owned buffer.
#ifndef LIPSYNC_SERVICE_COMMON_BASE64_H_
#define LIPSYNC_SERVICE_COMMON_BASE64_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/common/base64_simd.h"

namespace lipsync {

// Number of characters Base64EncodeTo writes for `raw_size` bytes.
constexpr std::size_t Base64EncodedSize(std::size_t raw_size) {
  return (raw_size + 2) / 3 * 4;
}

// Writes exactly Base64EncodedSize(raw.size()) characters to `out`.
void Base64EncodeTo(absl::string_view raw, char* out);

// For tests and benchmarks: the portable encoder alone, and the encoder with
// a given level's SIMD steps (CpuRuns(level) must hold). Base64EncodeTo uses
// FastestSimdLevel(); every level produces identical output.
namespace base64_internal {
void EncodeWithoutSimd(absl::string_view raw, char* out);
void EncodeWith(SimdLevel level, absl::string_view raw, char* out);
}  // namespace base64_internal

// Convenience for small inputs and tests.
std::string Base64Encode(absl::string_view raw);

// Checks that `encoded` is canonical padded standard Base64 (length a multiple
// of 4, only the standard alphabet, '=' only as the last one or two chars)
// and returns the decoded size without decoding. INVALID_ARGUMENT names the
// first offending position and character.
absl::StatusOr<std::size_t> Base64DecodedSize(absl::string_view encoded);

// Decodes canonical padded standard Base64; same errors as Base64DecodedSize.
absl::StatusOr<std::string> Base64Decode(absl::string_view encoded);

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_BASE64_H_

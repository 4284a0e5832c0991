#ifndef LIPSYNC_SIM_BASE64_H_
#define LIPSYNC_SIM_BASE64_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kling_sim {

// What a test needs to recognise an uploaded audio without the sim keeping
// its bytes: the decoded size and its FNV-1a 64-bit hash.
struct Base64Digest {
  uint64_t decoded_size = 0;
  uint64_t fnv1a64 = 0;
};

// Size of the bytes `encoded` decodes to, from its length and padding alone
// (no validation). Lets a caller refuse an oversized upload before decoding.
uint64_t Base64DecodedSize(absl::string_view encoded);

// Decodes standard, padded base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '='
// padding, length a multiple of 4, no whitespace, no `data:` prefix) and
// digests the bytes. std::nullopt when `encoded` is not exactly that.
std::optional<Base64Digest> DigestStandardBase64(absl::string_view encoded);

// FNV-1a 64-bit of `bytes`.
uint64_t Fnv1a64(absl::string_view bytes);

// `value` as 16 lowercase hex digits.
std::string Hex16(uint64_t value);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_BASE64_H_

#include "sim/base64.h"

#include <array>

#include "absl/strings/str_format.h"

namespace kling_sim {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

constexpr int16_t kInvalid = -1;

// Maps a byte to its 6-bit value, or kInvalid. Built once at compile time so
// that decoding a 7 MB upload costs one table load per character.
constexpr std::array<int16_t, 256> MakeDecodeTable() {
  std::array<int16_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 26; ++i) {
    table['A' + i] = static_cast<int16_t>(i);
    table['a' + i] = static_cast<int16_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<int16_t>(52 + i);
  table['+'] = 62;
  table['/'] = 63;
  return table;
}

constexpr std::array<int16_t, 256> kDecodeTable = MakeDecodeTable();

inline void Mix(uint64_t& hash, uint8_t byte) {
  hash ^= byte;
  hash *= kFnvPrime;
}

}  // namespace

uint64_t Base64DecodedSize(absl::string_view encoded) {
  uint64_t size = encoded.size() / 4 * 3;
  if (!encoded.empty() && encoded.back() == '=') --size;
  if (encoded.size() >= 2 && encoded[encoded.size() - 2] == '=') --size;
  return size;
}

std::optional<Base64Digest> DigestStandardBase64(absl::string_view encoded) {
  if (encoded.size() % 4 != 0) return std::nullopt;
  Base64Digest digest;
  digest.fnv1a64 = kFnvOffset;
  for (size_t i = 0; i < encoded.size(); i += 4) {
    const bool last_quad = i + 4 == encoded.size();
    int values[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const unsigned char c = static_cast<unsigned char>(encoded[i + j]);
      if (c == '=') {
        // Padding may only end the last quad, and at most two of them.
        if (!last_quad || j < 2) return std::nullopt;
        ++padding;
        values[j] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      values[j] = kDecodeTable[c];
      if (values[j] == kInvalid) return std::nullopt;
    }
    const uint32_t triple =
        (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
    Mix(digest.fnv1a64, static_cast<uint8_t>(triple >> 16));
    if (padding < 2) Mix(digest.fnv1a64, static_cast<uint8_t>(triple >> 8));
    if (padding < 1) Mix(digest.fnv1a64, static_cast<uint8_t>(triple));
    digest.decoded_size += 3 - padding;
  }
  return digest;
}

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = kFnvOffset;
  for (char c : bytes) Mix(hash, static_cast<uint8_t>(c));
  return hash;
}

std::string Hex16(uint64_t value) { return absl::StrFormat("%016x", value); }

}  // namespace kling_sim

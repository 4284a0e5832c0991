#include "service/translate/json_text.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lipsync::translate {
namespace {

// Escaped length of each byte: 1 (copied), 2 (short escape) or 6 (\u00XX).
struct EscapeTable {
  std::array<uint8_t, 256> size{};
  constexpr EscapeTable() {
    for (int c = 0; c < 256; ++c) size[c] = c < 0x20 ? 6 : 1;
    size['"'] = size['\\'] = 2;
    size['\b'] = size['\t'] = size['\n'] = size['\f'] = size['\r'] = 2;
  }
};
constexpr EscapeTable kEscape;

// True when one of the 8 bytes of `w` needs an escape (< 0x20, '"', '\\').
// Exact "any byte" tests from the classic bit hacks: a byte b is < n (n ≤ 128)
// iff the subtraction b - n borrows into bit 7 while b's bit 7 is clear.
bool AnyNeedsEscape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  const auto any_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  return (below_space | any_zero(w ^ (kOnes * '"')) |
          any_zero(w ^ (kOnes * '\\'))) != 0;
}

// Length of the run of bytes at the start of [p, p + n) that need no escape.
// Eight bytes per step: a 7 MB Base64 `sound_file` is one run, so this is the
// hot loop of the create body.
std::size_t PlainRunLength(const unsigned char* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (AnyNeedsEscape(w)) break;
  }
  while (i < n && kEscape.size[p[i]] == 1) ++i;
  return i;
}

void AppendEscape(std::string* out, unsigned char c) {
  char buf[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
    case '"':
    case '\\':
      buf[1] = static_cast<char>(c);
      break;
    case '\b':
      buf[1] = 'b';
      break;
    case '\t':
      buf[1] = 't';
      break;
    case '\n':
      buf[1] = 'n';
      break;
    case '\f':
      buf[1] = 'f';
      break;
    case '\r':
      buf[1] = 'r';
      break;
    default: {
      constexpr char kHex[] = "0123456789abcdef";
      buf[1] = 'u';
      buf[2] = '0';
      buf[3] = '0';
      buf[4] = kHex[c >> 4];
      buf[5] = kHex[c & 0xF];
    }
  }
  out->append(buf, kEscape.size[c]);
}

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// Writes the JSON text of `v` into `buf` and returns its length.
int FormatNumber(double v, char (&buf)[32]) {
  if (!std::isfinite(v)) return std::snprintf(buf, sizeof(buf), "null");
  if (std::trunc(v) == v && std::fabs(v) <= kMaxExactInteger) {
    // `+ 0` turns -0.0 into 0.
    return std::snprintf(buf, sizeof(buf), "%lld",
                         static_cast<long long>(v) + 0);
  }
  int n = std::snprintf(buf, sizeof(buf), "%.15g", v);
  if (std::strtod(buf, nullptr) == v) return n;
  return std::snprintf(buf, sizeof(buf), "%.17g", v);
}

}  // namespace

void AppendJsonString(std::string* out, absl::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t n = utf8.size();
  out->push_back('"');
  for (std::size_t i = 0; i < n;) {
    const std::size_t run = PlainRunLength(p + i, n - i);
    out->append(utf8.data() + i, run);
    i += run;
    if (i < n) AppendEscape(out, p[i++]);
  }
  out->push_back('"');
}

std::size_t JsonStringSize(absl::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const std::size_t n = utf8.size();
  std::size_t size = 2;
  for (std::size_t i = 0; i < n;) {
    const std::size_t run = PlainRunLength(p + i, n - i);
    size += run;
    i += run;
    if (i < n) size += kEscape.size[p[i++]];
  }
  return size;
}

void AppendJsonNumber(std::string* out, double v) {
  char buf[32];
  out->append(buf, FormatNumber(v, buf));
}

std::size_t JsonNumberSize(double v) {
  char buf[32];
  return FormatNumber(v, buf);
}

void AppendJsonInt(std::string* out, int64_t v) {
  char buf[24];
  out->append(
      buf, std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v)));
}

std::size_t JsonIntSize(int64_t v) {
  // Magnitude as unsigned, so INT64_MIN does not overflow.
  uint64_t m = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::size_t n = v < 0 ? 2 : 1;
  while (m >= 10) {
    m /= 10;
    ++n;
  }
  return n;
}

}  // namespace lipsync::translate

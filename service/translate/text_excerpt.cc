#include "service/translate/text_excerpt.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace lipsync::translate {
namespace {

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t ValidSequenceLength(absl::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t b0 = b(0);
  if (b0 < 0x80) return 1;
  std::size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

// Both functions append pieces while the whole text still fits in the budget,
// remembering the last piece boundary that leaves room for the marker; at the
// first piece that does not fit they cut back there. Work is bounded by the
// budget, not by the (possibly huge) input.

std::string Utf8Prefix(absl::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t cut = 0;  // longest prefix of `out` that leaves room for "..."
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = ValidSequenceLength(text, i);
    const absl::string_view piece = n == 0 ? kReplacement : text.substr(i, n);
    if (out.size() + piece.size() > max_bytes) {
      out.resize(cut);
      out.append(kEllipsis.data(), kEllipsis.size());
      return out;
    }
    out.append(piece.data(), piece.size());
    if (out.size() + kEllipsis.size() <= max_bytes) cut = out.size();
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::string EscapedExcerpt(absl::string_view bytes, std::size_t max_chars) {
  std::string out;
  std::size_t cut = 0;
  for (const char ch : bytes) {
    const auto c = static_cast<uint8_t>(ch);
    std::string piece;
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c == '\\') {
      piece = "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      piece.assign(1, ch);
    } else {
      piece = absl::StrFormat("\\x%02X", c);
    }
    if (out.size() + piece.size() > max_chars) {
      out.resize(cut);
      out.append(kEllipsis.data(), kEllipsis.size());
      return out;
    }
    out += piece;
    if (out.size() + kEllipsis.size() <= max_chars) cut = out.size();
  }
  return out;
}

}  // namespace lipsync::translate

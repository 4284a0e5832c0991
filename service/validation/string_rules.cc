#include "service/validation/string_rules.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/common/limits.h"

namespace lipsync::validation {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

bool IsPrintableAscii(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F;
}

bool IsUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Unicode code points of valid UTF-8; for invalid input an approximation
// (the UTF-8 rule reports that input anyway).
std::size_t CountChars(absl::string_view value) {
  std::size_t n = 0;
  for (char c : value)
    n += IsUtf8Continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

std::string At(std::size_t offset, char c) {
  return absl::StrCat(DescribeByte(c), " at offset ", offset);
}

void Add(const FieldPath& field, std::string description,
         FieldViolations& out) {
  out.push_back({field.str(), std::move(description)});
}

void CheckLength(const FieldPath& field, absl::string_view value,
                 std::size_t max_chars, FieldViolations& out) {
  // Cheap bound first: a string has at least size()/4 code points.
  if (value.size() <= max_chars) return;
  const std::size_t chars = CountChars(value);
  if (chars > max_chars) {
    Add(field,
        absl::StrCat("must be at most ", max_chars, " characters (got ", chars,
                     ")"),
        out);
  }
}

// Host characters of RFC 3986 `reg-name` and IPv4 addresses: unreserved,
// pct-encoded and sub-delims.
bool IsRegNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("-._~%!$&'()*+,;=", c);
}

bool IsIpLiteralChar(char c) {
  return absl::ascii_isxdigit(static_cast<unsigned char>(c)) || c == ':' ||
         c == '.';
}

bool IsSchemeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' ||
         c == '-' || c == '.';
}

// The first structural problem of an http(s) URL's scheme and authority, or
// "" when there is none. Whitespace, control and non-ASCII bytes are reported
// by the caller; credentials too (they are reported in addition to this).
std::string UrlStructureProblem(absl::string_view url) {
  const std::size_t colon = url.find(':');
  absl::string_view scheme =
      colon == absl::string_view::npos ? "" : url.substr(0, colon);
  bool scheme_ok = !scheme.empty() &&
                   absl::ascii_isalpha(static_cast<unsigned char>(scheme[0]));
  for (char c : scheme) scheme_ok = scheme_ok && IsSchemeChar(c);
  if (!scheme_ok) {
    return "must be an absolute http:// or https:// URL";
  }
  if (!absl::EqualsIgnoreCase(scheme, "http") &&
      !absl::EqualsIgnoreCase(scheme, "https")) {
    if (scheme.size() > 16) return "scheme must be http or https";
    return absl::StrCat("scheme must be http or https (got \"", scheme, "\")");
  }
  absl::string_view rest = url.substr(colon + 1);
  if (!absl::StartsWith(rest, "//")) {
    return absl::StrCat("must have \"//\" and a host after \"", scheme, ":\"");
  }
  rest.remove_prefix(2);
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority.remove_prefix(at + 1);

  absl::string_view host;
  absl::string_view after_host;
  if (absl::StartsWith(authority, "[")) {
    const std::size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return "host has an unterminated IPv6 address ('[' without ']')";
    }
    host = authority.substr(1, close - 1);
    after_host = authority.substr(close + 1);
    if (host.empty()) return "must have a host (e.g. https://example.com/)";
    for (const char c : host) {
      if (!IsPrintableAscii(c)) continue;  // Reported by the caller.
      if (!IsIpLiteralChar(c)) {
        return absl::StrCat("IPv6 host has an invalid character (",
                            DescribeByte(c), ")");
      }
    }
    if (!after_host.empty() && after_host[0] != ':') {
      return "IPv6 host must be followed by ':port', '/', '?', '#' or nothing";
    }
  } else {
    const std::size_t port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    after_host = port_colon == absl::string_view::npos
                     ? ""
                     : authority.substr(port_colon);
    if (host.empty()) return "must have a host (e.g. https://example.com/)";
    for (const char c : host) {
      if (!IsPrintableAscii(c)) continue;  // Reported by the caller.
      if (!IsRegNameChar(c)) {
        return absl::StrCat("host has an invalid character (", DescribeByte(c),
                            ")");
      }
    }
  }
  if (after_host.empty()) return "";
  absl::string_view port = after_host.substr(1);  // after ':'
  int64_t value = 0;
  bool port_ok = !port.empty() && port.size() <= 5;
  for (char c : port) {
    port_ok = port_ok && absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (port_ok) value = value * 10 + (c - '0');
  }
  if (!port_ok || value < 1 || value > 65535) {
    bool printable = port.size() <= 16;
    for (char c : port) printable = printable && IsPrintableAscii(c);
    // Echo only short printable text: descriptions must stay valid UTF-8.
    if (!printable) return "port must be a number in 1..65535";
    return absl::StrCat("port must be a number in 1..65535 (got \"", port,
                        "\")");
  }
  return "";
}

}  // namespace

std::string DescribeByte(char c) {
  if (IsPrintableAscii(c)) return absl::StrCat("'", std::string(1, c), "'");
  return absl::StrFormat("byte 0x%02X", static_cast<unsigned char>(c));
}

std::size_t FindInvalidUtf8(absl::string_view value) {
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const std::size_t n = value.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80;  // Allowed range of the second byte.
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // Overlong.
      if (c == 0xED) hi = 0x9F;  // Surrogates.
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // Overlong.
      if (c == 0xF4) hi = 0x8F;  // Above U+10FFFF.
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (!IsUtf8Continuation(p[i + k])) return i;
    }
    i += len;
  }
  return absl::string_view::npos;
}

bool HasHttpSchemePrefix(absl::string_view value) {
  return absl::StartsWithIgnoreCase(value, "http://") ||
         absl::StartsWithIgnoreCase(value, "https://");
}

void CheckId(const FieldPath& field, absl::string_view value, Presence presence,
             FieldViolations& out) {
  if (value.empty()) {
    if (presence == Presence::kRequired) Add(field, "is required", out);
    return;
  }
  CheckLength(field, value, kMaxIdChars, out);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (IsControl(static_cast<unsigned char>(value[i]))) {
      Add(field,
          absl::StrCat("must not contain control characters (", At(i, value[i]),
                       ")"),
          out);
      break;
    }
  }
  const std::size_t bad = FindInvalidUtf8(value);
  if (bad != absl::string_view::npos) {
    Add(field, absl::StrCat("must be valid UTF-8 (", At(bad, value[bad]), ")"),
        out);
  }
}

void CheckNotDotSegment(const FieldPath& field, absl::string_view value,
                        FieldViolations& out) {
  if (value == "." || value == "..") {
    Add(field,
        absl::StrCat("must not be \"", value,
                     "\" (it is a URL path segment upstream)"),
        out);
  }
}

void CheckHttpUrl(const FieldPath& field, absl::string_view value,
                  Presence presence, FieldViolations& out) {
  if (value.empty()) {
    if (presence == Presence::kRequired) Add(field, "is required", out);
    return;
  }
  CheckLength(field, value, kMaxUrlChars, out);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto u = static_cast<unsigned char>(value[i]);
    if (IsControl(u) || u == ' ') {
      Add(field,
          absl::StrCat(
              "must not contain whitespace or control characters (",
              At(i, value[i]), ")",
              value[i] == ' ' ? "; percent-encode a space as %20" : ""),
          out);
      break;
    }
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (static_cast<unsigned char>(value[i]) >= 0x80) {
      Add(field,
          absl::StrCat("must be ASCII (", At(i, value[i]),
                       "); percent-encode other characters (RFC 3986)"),
          out);
      break;
    }
  }
  std::string problem = UrlStructureProblem(value);
  if (!problem.empty()) Add(field, std::move(problem), out);
  // Userinfo: an '@' inside the authority, i.e. before the first '/', '?' or
  // '#' that follows "scheme://".
  const std::size_t authority_start = value.find("//");
  if (authority_start != absl::string_view::npos &&
      HasHttpSchemePrefix(value)) {
    absl::string_view rest = value.substr(authority_start + 2);
    absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (absl::StrContains(authority, '@')) {
      Add(field,
          "must not contain credentials (user:pass@host): credentials must "
          "not travel in URLs",
          out);
    }
  }
}

void CheckIdempotencyKey(const FieldPath& field, absl::string_view value,
                         FieldViolations& out) {
  if (value.empty()) return;
  if (value.size() > kMaxRequestIdChars) {
    Add(field,
        absl::StrCat("must be at most ", kMaxRequestIdChars,
                     " characters (got ", value.size(), ")"),
        out);
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != ':' && c != '-') {
      Add(field,
          absl::StrCat("may contain only A-Z a-z 0-9 . _ : - (", At(i, c), ")"),
          out);
      break;
    }
  }
  CheckNotDotSegment(field, value, out);
}

}  // namespace lipsync::validation

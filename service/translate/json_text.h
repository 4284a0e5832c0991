// Writing JSON text by hand, for the upstream request bodies: exact sizes
// first, so a body holding 7 MB of Base64 is allocated once.
//
// Every Append* function appends to `*out` and never shrinks it; every *Size
// function returns exactly the number of characters the matching Append*
// function appends. Numbers are written in the C numeric locale's format
// (the gateway never calls setlocale).
#ifndef LIPSYNC_SERVICE_TRANSLATE_JSON_TEXT_H_
#define LIPSYNC_SERVICE_TRANSLATE_JSON_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace lipsync::translate {

// Appends `utf8` as a JSON string (RFC 8259 §7), quotes included: `"` and `\`
// escaped, control characters U+0000..U+001F as \b \t \n \f \r or \u00XX.
// Bytes ≥ 0x80 are copied unchanged: the input must already be valid UTF-8
// (the gateway validates caller strings, and proto3 strings are UTF-8).
// Runs of characters that need no escape are copied with one memcpy each.
void AppendJsonString(std::string* out, absl::string_view utf8);

// Exact number of characters AppendJsonString(out, utf8) appends.
std::size_t JsonStringSize(absl::string_view utf8);

// Appends `v` as a JSON number. Integral values with |v| ≤ 2^53 are written
// without a fraction or exponent (`1`, not `1.0`: both strict integer and
// float readers accept it); other values as the shortest of %.15g / %.17g
// that reads back as exactly `v`. -0 is written as `0`. Non-finite values
// have no JSON form: they are written as `null` (callers validate first).
void AppendJsonNumber(std::string* out, double v);

// Exact number of characters AppendJsonNumber(out, v) appends.
std::size_t JsonNumberSize(double v);

// Appends `v` in decimal: a JSON integer.
void AppendJsonInt(std::string* out, int64_t v);

// Exact number of characters AppendJsonInt(out, v) appends.
std::size_t JsonIntSize(int64_t v);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_JSON_TEXT_H_

#include "service/translate/json_text.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lipsync::translate {
namespace {

std::string JsonString(absl::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  EXPECT_EQ(out.size(), JsonStringSize(s)) << out;
  return out;
}

std::string JsonNumber(double v) {
  std::string out;
  AppendJsonNumber(&out, v);
  EXPECT_EQ(out.size(), JsonNumberSize(v)) << out;
  return out;
}

std::string JsonInt(int64_t v) {
  std::string out;
  AppendJsonInt(&out, v);
  EXPECT_EQ(out.size(), JsonIntSize(v)) << out;
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString(""), R"("")");
  EXPECT_EQ(JsonString("plain"), R"("plain")");
  EXPECT_EQ(JsonString("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonString("\b\t\n\f\r"), R"("\b\t\n\f\r")");
  EXPECT_EQ(JsonString(std::string("\x00\x01\x1f", 3)),
            R"("\u0000\u0001\u001f")");
  EXPECT_EQ(JsonString("/\x7f"), "\"/\x7f\"");
}

TEST(JsonTextTest, CopiesUtf8Unchanged) {
  const std::string text =
      "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80";
  EXPECT_EQ(JsonString(text), "\"" + text + "\"");
}

TEST(JsonTextTest, EveryByteRoundTripsThroughAJsonParser) {
  // All ASCII bytes, escaped or not, read back as themselves.
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string text = JsonString(all);
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << text;
  EXPECT_EQ(parsed.get<std::string>(), all);
}

// Byte-by-byte reference escaping, to check the word-at-a-time scanner.
std::string ReferenceJsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    char buf[8];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20) {
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

TEST(JsonTextTest, EveryByteAtEveryWordOffsetMatchesTheReference) {
  // Runs of 'a' and of UTF-8 high bytes around one byte of each value, at
  // every offset of a 64-bit word and across word boundaries.
  for (const char filler : {'a', '\xC3', '\x7F', '\x21'}) {
    for (int c = 0; c < 256; ++c) {
      for (std::size_t pos = 0; pos < 19; ++pos) {
        std::string text(19, filler);
        text[pos] = static_cast<char>(c);
        ASSERT_EQ(JsonString(text), ReferenceJsonString(text))
            << "byte " << c << " at " << pos;
      }
    }
  }
}

TEST(JsonTextTest, AppendsWithoutTouchingWhatIsThere) {
  std::string out = "x:";
  AppendJsonString(&out, "y");
  AppendJsonInt(&out, 7);
  AppendJsonNumber(&out, 0.5);
  EXPECT_EQ(out, "x:\"y\"70.5");
}

TEST(JsonTextTest, IntegralNumbersHaveNoFraction) {
  EXPECT_EQ(JsonNumber(0), "0");
  EXPECT_EQ(JsonNumber(-0.0), "0");
  EXPECT_EQ(JsonNumber(1), "1");
  EXPECT_EQ(JsonNumber(2), "2");
  EXPECT_EQ(JsonNumber(-3), "-3");
  EXPECT_EQ(JsonNumber(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(JsonNumber(-9007199254740992.0), "-9007199254740992");
}

TEST(JsonTextTest, OtherNumbersUseTheShortestRoundTrip) {
  EXPECT_EQ(JsonNumber(0.5), "0.5");
  EXPECT_EQ(JsonNumber(1.25), "1.25");
  EXPECT_EQ(JsonNumber(0.1), "0.1");
  EXPECT_EQ(JsonNumber(1.0 / 3), "0.33333333333333331");
  EXPECT_EQ(JsonNumber(1e-7), "1e-07");
  EXPECT_EQ(JsonNumber(1e300), "1e+300");
  EXPECT_EQ(JsonNumber(0.1 + 0.2), "0.30000000000000004");
}

TEST(JsonTextTest, NumbersReadBackAsTheSameDouble) {
  for (const double v :
       {0.5, 0.1, 0.2, 0.3, 1.25, 1.9999999999999998, 2.0000000000000004,
        1e-300, 5e-324, 1.7976931348623157e308, 123456.789, 1.0 / 3,
        9007199254740994.0, -0.7}) {
    const std::string text = JsonNumber(v);
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    ASSERT_TRUE(parsed.is_number()) << text;
    EXPECT_EQ(parsed.get<double>(), v) << text;
  }
}

TEST(JsonTextTest, NonFiniteNumbersBecomeNull) {
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(JsonNumber(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonTextTest, IntegersAreDecimal) {
  EXPECT_EQ(JsonInt(0), "0");
  EXPECT_EQ(JsonInt(9), "9");
  EXPECT_EQ(JsonInt(10), "10");
  EXPECT_EQ(JsonInt(-1), "-1");
  EXPECT_EQ(JsonInt(5000), "5000");
  EXPECT_EQ(JsonInt(std::numeric_limits<int64_t>::max()),
            "9223372036854775807");
  EXPECT_EQ(JsonInt(std::numeric_limits<int64_t>::min()),
            "-9223372036854775808");
}

}  // namespace
}  // namespace lipsync::translate

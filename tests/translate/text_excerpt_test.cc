#include "service/translate/text_excerpt.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::translate {
namespace {

TEST(Utf8PrefixTest, KeepsShortValidText) {
  EXPECT_EQ(Utf8Prefix("", 16), "");
  EXPECT_EQ(Utf8Prefix("caf\xC3\xA9", 16), "caf\xC3\xA9");
  EXPECT_EQ(Utf8Prefix("0123456789abcdef", 16), "0123456789abcdef");
}

TEST(Utf8PrefixTest, CutsAtACodePointAndMarksTheCut) {
  EXPECT_EQ(Utf8Prefix("0123456789abcdefg", 16), "0123456789abc...");
  // "é" is 2 bytes: never cut in half.
  EXPECT_EQ(Utf8Prefix("0123456789a\xC3\xA9\xC3\xA9zz", 16),
            "0123456789a\xC3\xA9...");
  EXPECT_EQ(Utf8Prefix("0123456789ab\xC3\xA9\xC3\xA9zz", 16),
            "0123456789ab...");
}

TEST(Utf8PrefixTest, ReplacesInvalidBytes) {
  EXPECT_EQ(Utf8Prefix("a\xFF"
                       "b",
                       16),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(Utf8Prefix("a\xC3", 16), "a\xEF\xBF\xBD");  // truncated
  EXPECT_EQ(Utf8Prefix("\xC0\xAF", 16),                 // overlong
            "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Utf8Prefix("\xED\xA0\x80", 16),  // surrogate
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(EscapedExcerptTest, EscapesEverythingButPrintableAscii) {
  EXPECT_EQ(EscapedExcerpt("<html>\r\n\t\\x\x01\xC3\xA9", 64),
            "<html>\\r\\n\\t\\\\x\\x01\\xC3\\xA9");
}

TEST(EscapedExcerptTest, StaysWithinTheBudget) {
  const std::string long_body(1000, '\x01');
  const std::string excerpt = EscapedExcerpt(long_body, 120);
  EXPECT_LE(excerpt.size(), 120u);
  EXPECT_THAT(excerpt, ::testing::EndsWith("..."));
  EXPECT_EQ(EscapedExcerpt("12345678", 8), "12345678");
  EXPECT_EQ(EscapedExcerpt("123456789", 8), "12345...");
}

}  // namespace
}  // namespace lipsync::translate

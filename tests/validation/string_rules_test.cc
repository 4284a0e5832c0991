#include "service/validation/string_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/limits.h"
#include "tests/validation/test_requests.h"

namespace lipsync::validation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

FieldViolations Id(absl::string_view value,
                   Presence presence = Presence::kRequired) {
  FieldViolations out;
  CheckId("id", value, presence, out);
  return out;
}

FieldViolations Url(absl::string_view value,
                    Presence presence = Presence::kRequired) {
  FieldViolations out;
  CheckHttpUrl("url", value, presence, out);
  return out;
}

FieldViolations Key(absl::string_view value) {
  FieldViolations out;
  CheckIdempotencyKey("key", value, out);
  return out;
}

TEST(FieldPathTest, NamesTheWholePathOrParentDotName) {
  EXPECT_EQ(FieldPath("session_id").str(), "session_id");
  const std::string whole = "video_url";
  EXPECT_EQ(FieldPath(whole).str(), "video_url");
  EXPECT_EQ(FieldPath("face_choose[3]", "audio_id").str(),
            "face_choose[3].audio_id");
  // FaceTimesAreValid checks a face without a path: the name keeps its dot.
  EXPECT_EQ(FieldPath("", "sound_end_time").str(), ".sound_end_time");
  FieldViolations out;
  CheckId(FieldPath("face_choose[0]", "face_id"), "", Presence::kRequired, out);
  EXPECT_THAT(out, ElementsAre(FieldViolation{"face_choose[0].face_id",
                                              "is required"}));
}

TEST(IdRulesTest, AcceptsSeedIdsAndLongestId) {
  EXPECT_THAT(Id("825465778199224380"), IsEmpty());
  EXPECT_THAT(Id("-1"), IsEmpty());
  EXPECT_THAT(Id(std::string(kMaxIdChars, 'a')), IsEmpty());
  // 256 characters of 3 bytes each: the limit counts characters.
  std::string wide;
  for (std::size_t i = 0; i < kMaxIdChars; ++i) wide += "\xE4\xB8\xAD";
  EXPECT_THAT(Id(wide), IsEmpty());
}

TEST(IdRulesTest, EmptyIsRequiredOnlyWhenRequired) {
  EXPECT_THAT(Id(""), ElementsAre(ViolationOf("id", "is required")));
  EXPECT_THAT(Id("", Presence::kOptional), IsEmpty());
}

TEST(IdRulesTest, RejectsBrokenIds) {
  struct Case {
    std::string name;
    std::string value;
    std::string expected;
  };
  const Case cases[] = {
      {"257 chars", std::string(kMaxIdChars + 1, 'a'),
       "at most 256 characters (got 257)"},
      {"newline", "abc\ndef", "control characters (byte 0x0A at offset 3)"},
      {"NUL", std::string("ab\0c", 4), "control characters (byte 0x00"},
      {"DEL", "ab\x7F", "control characters (byte 0x7F at offset 2)"},
      {"tab", "\tab", "control characters (byte 0x09 at offset 0)"},
      {"lone continuation byte", "ab\x80",
       "valid UTF-8 (byte 0x80 at offset 2)"},
      {"0xFF", "\xFF", "valid UTF-8"},
      {"truncated sequence", "a\xE4\xB8",
       "valid UTF-8 (byte 0xE4 at offset 1)"},
      {"overlong slash", "\xC0\xAF", "valid UTF-8"},
      {"overlong 3-byte", "\xE0\x80\xAF", "valid UTF-8"},
      {"surrogate", "\xED\xA0\x80", "valid UTF-8"},
      {"above U+10FFFF", "\xF4\x90\x80\x80", "valid UTF-8"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Id(c.value), ElementsAre(ViolationOf("id", c.expected)))
        << c.name;
  }
}

TEST(IdRulesTest, ReportsEveryBrokenRuleOfOneValue) {
  std::string value(300, 'a');
  value[10] = '\n';
  value[20] = '\xFF';
  EXPECT_THAT(Id(value), ElementsAre(ViolationOf("id", "at most 256"),
                                     ViolationOf("id", "control"),
                                     ViolationOf("id", "UTF-8")));
}

TEST(Utf8Test, FindsFirstInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8(""), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"),
            absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("\xEF\xBF\xBF"), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("\xF4\x8F\xBF\xBF"), absl::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ok\xC3"), 2u);
  EXPECT_EQ(FindInvalidUtf8("ok\xC3\x28"), 2u);
  EXPECT_EQ(FindInvalidUtf8("\xF8\x88\x80\x80\x80"), 0u);
}

TEST(UrlRulesTest, AcceptsHttpAndHttpsUrls) {
  for (const char* url : {
           "https://example.com",
           "http://example.com/",
           "HTTPS://EXAMPLE.COM/a.mp3",
           "HtTp://example.com:8080/hook?x=1#frag",
           "https://127.0.0.1:65535/",
           "https://[::1]:1/cb",
           "https://[2001:db8::1]/",
           "https://cdn.example.com/a%20b.mp3",
           "https://example.com/path/with@sign",
           "https://example.com?q=a@b",
       }) {
    EXPECT_THAT(Url(url), IsEmpty()) << url;
  }
  std::string longest = "https://example.com/";
  longest.resize(kMaxUrlChars, 'a');
  EXPECT_THAT(Url(longest), IsEmpty());
}

TEST(UrlRulesTest, EmptyIsRequiredOnlyWhenRequired) {
  EXPECT_THAT(Url(""), ElementsAre(ViolationOf("url", "is required")));
  EXPECT_THAT(Url("", Presence::kOptional), IsEmpty());
}

TEST(UrlRulesTest, RejectsBrokenUrls) {
  struct Case {
    std::string url;
    std::string expected;
  };
  std::string too_long = "https://example.com/";
  too_long.resize(kMaxUrlChars + 1, 'a');
  const Case cases[] = {
      {"ftp://example.com/a.mp3", "scheme must be http or https (got \"ftp\")"},
      {"javascript:alert(1)", "scheme must be http or https"},
      {"file:///etc/passwd", "scheme must be http or https"},
      {"example.com/a.mp3", "absolute http:// or https:// URL"},
      {"//example.com/a", "absolute http:// or https:// URL"},
      {"://example.com", "absolute http:// or https:// URL"},
      {"http:example.com", "must have \"//\" and a host"},
      {"http:/example.com", "must have \"//\" and a host"},
      {"http:///path", "must have a host"},
      {"https://", "must have a host"},
      {"https://:443/", "must have a host"},
      {"https://?x", "must have a host"},
      {"http://user:pass@host/", "must not contain credentials"},
      {"http://user@host/", "must not contain credentials"},
      {"http://host\\@evil.com/", "must not contain credentials"},
      {"http://exa mple.com/",
       "whitespace or control characters (byte 0x20 at offset 10)"},
      {"http://example.com/a b", "whitespace or control"},
      {" http://example.com/", "whitespace or control"},
      {"http://example.com/\n", "whitespace or control characters (byte 0x0A"},
      {"http://example.com/\t", "whitespace or control"},
      {std::string("http://example.com/\0", 20), "whitespace or control"},
      {"http://example.com/\x7F", "whitespace or control"},
      {"http://example.com/\xC3\xA9", "must be ASCII (byte 0xC3"},
      {"http://example.com/\xFF", "must be ASCII"},
      {too_long, "at most 2048 characters (got 2049)"},
      {"http://host:0/", "port must be a number in 1..65535 (got \"0\")"},
      {"http://host:65536/", "port must be a number in 1..65535"},
      {"http://host:99999999999999999999/", "port must be a number"},
      {"http://host:abc/", "port must be a number"},
      {"http://host:/", "port must be a number in 1..65535 (got \"\")"},
      {"http://host:-1/", "port must be a number"},
      {"http://[::1/", "unterminated IPv6"},
      {"http://[]/", "must have a host"},
      {"http://[::1]x/", "IPv6 host must be followed by"},
      {"http://[zz::1]/", "IPv6 host has an invalid character ('z')"},
      {"http://exa<mple.com/", "host has an invalid character ('<')"},
      {"http://a\"b/", "host has an invalid character"},
  };
  for (const Case& c : cases) {
    FieldViolations got = Url(c.url);
    EXPECT_THAT(got, ::testing::Contains(ViolationOf("url", c.expected)))
        << c.url;
  }
}

TEST(UrlRulesTest, DescriptionsAreValidUtf8WhateverTheInput) {
  for (const char* url : {"http://h:\xFF\xFE/", "http://h:1\xC3/", "\xFF://h/",
                          "http://\xFF/", "ht\xFFtp://h/"}) {
    for (const auto& v : Url(url)) {
      EXPECT_EQ(FindInvalidUtf8(v.description), absl::string_view::npos)
          << v.description;
    }
  }
}

TEST(UrlRulesTest, CredentialsAndBadPortAreBothReported) {
  EXPECT_THAT(Url("http://u:p@host:0/"), SizeIs(2));
}

TEST(UrlRulesTest, DescriptionsDoNotEchoHugeInput) {
  std::string url = "gopher" + std::string(100000, 'x') + "://h/";
  FieldViolations got = Url(url);
  ASSERT_THAT(got, ::testing::Not(IsEmpty()));
  for (const auto& v : got) EXPECT_LT(v.description.size(), 200u);
}

TEST(IdempotencyKeyTest, AcceptsUuidsAndAllowedPunctuation) {
  EXPECT_THAT(Key(""), IsEmpty());
  EXPECT_THAT(Key("3f2a9c1e-0b7d-4a8e-9f10-2c3d4e5f6a7b"), IsEmpty());
  EXPECT_THAT(Key("Az09._:-"), IsEmpty());
  EXPECT_THAT(Key(std::string(kMaxRequestIdChars, 'k')), IsEmpty());
}

TEST(IdempotencyKeyTest, RejectsLongKeysAndOtherCharacters) {
  EXPECT_THAT(
      Key(std::string(kMaxRequestIdChars + 1, 'k')),
      ElementsAre(ViolationOf("key", "at most 128 characters (got 129)")));
  for (const char* key : {"a b", "a/b", "a+b", "a=b", "é", "a\nb", "{x}"}) {
    EXPECT_THAT(Key(key), ElementsAre(ViolationOf("key", "may contain only")))
        << key;
  }
}

TEST(IdempotencyKeyTest, RejectsDotSegments) {
  for (const char* key : {".", ".."}) {
    EXPECT_THAT(Key(key),
                ElementsAre(ViolationOf("key", "URL path segment upstream")))
        << key;
  }
  EXPECT_THAT(Key("..."), IsEmpty());
  EXPECT_THAT(Key(".a"), IsEmpty());
}

TEST(HttpSchemePrefixTest, IsCaseInsensitiveAndNeedsBothSlashes) {
  EXPECT_TRUE(HasHttpSchemePrefix("http://x"));
  EXPECT_TRUE(HasHttpSchemePrefix("HTTPS://x"));
  EXPECT_FALSE(HasHttpSchemePrefix("http:/x"));
  EXPECT_FALSE(HasHttpSchemePrefix("httpx://x"));
  EXPECT_FALSE(HasHttpSchemePrefix("SGVsbG8="));
}

}  // namespace
}  // namespace lipsync::validation

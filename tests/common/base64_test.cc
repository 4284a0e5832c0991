#include "service/common/base64.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync {
namespace {

using ::testing::HasSubstr;

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::mt19937 rng(42);
  for (int len = 0; len < 200; ++len) {
    std::string raw(len, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    const std::string encoded = Base64Encode(raw);
    ASSERT_EQ(encoded.size(), Base64EncodedSize(raw.size()));
    auto size = Base64DecodedSize(encoded);
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size, raw.size());
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, raw);
  }
}

TEST(Base64Test, RejectsLengthNotMultipleOfFour) {
  auto r = Base64DecodedSize("Zm9vYg");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("multiple of 4"));
}

TEST(Base64Test, RejectsUrlSafeAlphabetWithHint) {
  auto r = Base64DecodedSize("ab-_");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("URL-safe"));
  EXPECT_THAT(r.status().message(), HasSubstr("offset 2"));
}

TEST(Base64Test, RejectsWhitespaceAndPaddingInTheMiddle) {
  EXPECT_FALSE(Base64DecodedSize("Zm9v\nYmFy").ok());
  EXPECT_FALSE(Base64DecodedSize("Zm==Zm9v").ok());
  EXPECT_FALSE(Base64DecodedSize("====").ok());
  EXPECT_FALSE(Base64DecodedSize("Z===").ok());
}

TEST(Base64Test, RejectsNonCanonicalPadding) {
  EXPECT_FALSE(Base64DecodedSize("Zh==").ok());  // "Zg==" is canonical
  EXPECT_FALSE(Base64DecodedSize("Zm9=").ok());  // "Zm8=" is canonical
}

TEST(Base64Test, RejectsDataUriPrefix) {
  EXPECT_FALSE(Base64DecodedSize("data:audio/wav;base64,Zm9v").ok());
}

TEST(Base64Test, DescribesControlBytesInHex) {
  auto r = Base64DecodedSize(std::string("Zm9\x01", 4));
  EXPECT_THAT(r.status().message(), HasSubstr("0x01"));
}

}  // namespace
}  // namespace lipsync

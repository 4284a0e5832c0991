#include "service/common/base64.h"

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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

// The plain definition, one 6-bit group at a time.
std::string ReferenceEncode(const std::string& raw) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= raw.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(raw[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8) |
                       static_cast<uint8_t>(raw[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out.push_back(kAlphabet[(v >> shift) & 63]);
    }
  }
  if (raw.size() - i == 1) {
    const uint32_t v = uint32_t{static_cast<uint8_t>(raw[i])} << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (raw.size() - i == 2) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(raw[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(raw[i + 1])} << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63],
            kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// The encoder works in 12- and 6-byte steps with 8-byte reads: every length
// around those steps, and a large input, must match the definition exactly,
// and nothing may be written past the encoded size.
TEST(Base64Test, MatchesTheDefinitionAtEveryStepBoundary) {
  std::mt19937 rng(7);
  std::vector<std::size_t> lengths;
  for (std::size_t len = 0; len <= 64; ++len) lengths.push_back(len);
  lengths.push_back((1 << 20) + 1);
  lengths.push_back(5000000);
  for (std::size_t len : lengths) {
    std::string raw(len, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    const std::string expected = ReferenceEncode(raw);
    std::string out(expected.size() + 16, '#');
    Base64EncodeTo(raw, out.data());
    EXPECT_EQ(out.substr(0, expected.size()), expected) << "length " << len;
    EXPECT_EQ(out.substr(expected.size()), std::string(16, '#'))
        << "wrote past the end, length " << len;
    EXPECT_EQ(Base64Encode(raw), expected) << "length " << len;
  }
}

// Every SIMD level this CPU runs (SSSE3 12-byte, AVX2 24-byte, AVX-512 VBMI
// 48-byte steps) and the portable encoder must agree with the definition for
// every length around the steps, at every input alignment, for every field
// value, and write nothing past the encoded size.
TEST(Base64Test,
     EverySimdLevelAgreesWithTheDefinitionAtEveryLengthAndAlignment) {
  using base64_internal::SimdLevel;
  std::mt19937 rng(11);
  std::string buffer(300 + 64, '\0');
  for (auto& c : buffer) c = static_cast<char>(rng());
  // Every 6-bit value, in every position of a 3-byte group, at least once.
  for (int i = 0; i < 64; ++i) buffer[i * 3 / 4] = static_cast<char>(i * 4);
  std::string levels_run;
  for (SimdLevel level : {SimdLevel::kPortable, SimdLevel::kSsse3,
                          SimdLevel::kAvx2, SimdLevel::kAvx512Vbmi}) {
    if (!base64_internal::CpuRuns(level)) continue;
    absl::StrAppend(&levels_run, levels_run.empty() ? "" : ",",
                    base64_internal::SimdLevelName(level));
    for (std::size_t offset = 0; offset < 64; ++offset) {
      for (std::size_t len = 0; len <= 300; ++len) {
        const absl::string_view raw(buffer.data() + offset, len);
        const std::string expected = ReferenceEncode(std::string(raw));
        std::string out(expected.size() + 16, '#');
        base64_internal::EncodeWith(level, raw, out.data());
        ASSERT_EQ(out.substr(0, expected.size()), expected)
            << base64_internal::SimdLevelName(level) << " length " << len
            << " offset " << offset;
        ASSERT_EQ(out.substr(expected.size()), std::string(16, '#'))
            << base64_internal::SimdLevelName(level) << " wrote past the end";
      }
    }
  }
  RecordProperty("simd_levels", levels_run);
  EXPECT_TRUE(base64_internal::CpuRuns(base64_internal::FastestSimdLevel()));
}

// Each level's steps run to within one vector load of the end (the portable
// tail is shorter than a load), so the SIMD code, not the tail, did the work.
TEST(Base64Test, EverySimdLevelEncodesAllButLessThanOneLoad) {
  using base64_internal::SimdLevel;
  const std::string raw(1000, 'x');
  const auto* in = reinterpret_cast<const uint8_t*>(raw.data());
  std::string out(Base64EncodedSize(raw.size()), '\0');
  for (auto [level, load_bytes] :
       {std::pair{SimdLevel::kSsse3, 16}, std::pair{SimdLevel::kAvx2, 28},
        std::pair{SimdLevel::kAvx512Vbmi, 64}}) {
    if (!base64_internal::CpuRuns(level)) {
      std::printf("  (this CPU does not run %s)\n",
                  base64_internal::SimdLevelName(level));
      continue;
    }
    const std::size_t consumed =
        base64_internal::EncodeSimdSteps(level, in, raw.size(), out.data());
    EXPECT_EQ(consumed % 3, 0u) << base64_internal::SimdLevelName(level);
    EXPECT_LT(raw.size() - consumed, static_cast<std::size_t>(load_bytes))
        << base64_internal::SimdLevelName(level);
  }
}

// A large input through the SIMD steps the service uses: the steps must run
// to the end of the buffer and hand exactly the tail to the portable code.
TEST(Base64Test, FastestLevelEncodesAMegabyteLikeThePortableEncoder) {
  std::mt19937 rng(5);
  for (std::size_t len : {std::size_t{1} << 20, (std::size_t{1} << 20) + 1,
                          (std::size_t{1} << 20) + 2}) {
    std::string raw(len, '\0');
    for (auto& c : raw) c = static_cast<char>(rng());
    std::string fast(Base64EncodedSize(len), '\0');
    std::string portable(Base64EncodedSize(len), '\0');
    base64_internal::EncodeWith(base64_internal::FastestSimdLevel(), raw,
                                fast.data());
    base64_internal::EncodeWithoutSimd(raw, portable.data());
    ASSERT_EQ(fast, portable) << "length " << len;
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

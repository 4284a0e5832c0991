#include "service/audio/adts_parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audio/audio_bytes.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::AdtsFrame;
using ::lipsync::audio::testing::Id3v2Tag;
using ::lipsync::audio::testing::IsInvalidArgumentWith;

constexpr int kRate48k = 3;
constexpr int kRate44k = 4;

std::string Frames(int rate_index, int channels, int count, int blocks = 1) {
  std::string out;
  // Vary the length like a real encoder does.
  for (int i = 0; i < count; ++i) {
    out += AdtsFrame(rate_index, channels, 200 + (i % 7) * 13, blocks);
  }
  return out;
}

TEST(AdtsParserTest, CountsRawDataBlocks) {
  const auto info = ParseAdts(Frames(kRate48k, 2, 150));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, AudioFormat::kAac);
  EXPECT_EQ(info->duration_ms, 150 * 1024 * 1000 / 48000);
  EXPECT_EQ(info->sample_rate_hz, 48000);
  EXPECT_EQ(info->channels, 2);

  const auto multi = ParseAdts(Frames(kRate44k, 1, 50, /*blocks=*/4));
  ASSERT_TRUE(multi.ok()) << multi.status();
  EXPECT_EQ(multi->duration_ms, 50 * 4 * 1024 * 1000 / 44100);
  EXPECT_EQ(multi->channels, 1);
}

TEST(AdtsParserTest, ReportsEightChannelsForConfiguration7) {
  const auto info = ParseAdts(Frames(kRate48k, 7, 5));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->channels, 8);
}

TEST(AdtsParserTest, SkipsTagsAndCorruptRegions) {
  const std::string id3v1 = "TAG" + std::string(125, 'x');
  const auto info =
      ParseAdts(Id3v2Tag(64) + Frames(kRate48k, 2, 30) +
                std::string(999, '\x00') + Frames(kRate48k, 2, 20) + id3v1);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 50 * 1024 * 1000 / 48000);
}

TEST(AdtsParserTest, IgnoresAFinalFrameCutShort) {
  const std::string frames = Frames(kRate48k, 2, 10);
  const auto info = ParseAdts(frames.substr(0, frames.size() - 20));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 9 * 1024 * 1000 / 48000);
}

TEST(AdtsParserTest, RejectsWhatIsNotARunOfFrames) {
  std::string bad_rate = Frames(kRate48k, 2, 5);
  bad_rate[2] = static_cast<char>((bad_rate[2] & ~0x3C) | (13 << 2));
  std::string bad_length = AdtsFrame(kRate48k, 2, 5) + Frames(kRate48k, 2, 5);
  std::string layer1 = Frames(kRate48k, 2, 5);
  layer1[1] = static_cast<char>(layer1[1] | 0x02);
  for (const std::string& bytes :
       {AdtsFrame(kRate48k, 2, 300) + std::string(50, 'q'), bad_rate,
        bad_length, layer1, Frames(kRate48k, 2, 1) + Frames(kRate44k, 2, 3),
        std::string()}) {
    EXPECT_THAT(ParseAdts(bytes),
                IsInvalidArgumentWith("not a recognised audio container"));
  }
  EXPECT_THAT(ParseAdts(Id3v2Tag(10) + "garbage"),
              IsInvalidArgumentWith("corrupt AAC: no run of valid ADTS"));
}

}  // namespace
}  // namespace lipsync::audio

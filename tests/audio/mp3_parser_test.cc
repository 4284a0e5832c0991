#include "service/audio/mp3_parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/audio/mpeg_audio_header.h"
#include "tests/audio/audio_bytes.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::Id3v2Tag;
using ::lipsync::audio::testing::IsInvalidArgumentWith;
using ::lipsync::audio::testing::kMp3Header128k44k;
using ::lipsync::audio::testing::MpegFrame;
using ::lipsync::audio::testing::U32Be;
using ::lipsync::audio::testing::U32Le;

constexpr size_t kFrame128k44k = 417;  // 144 * 128000 / 44100.
constexpr int64_t kFrameUs = 26122;    // 1152 / 44100 s.

std::string Frames(uint32_t word, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += MpegFrame(word);
  return out;
}

// A first frame carrying a tag at the layer III stereo MPEG-1 offset (36).
std::string TagFrame(absl::string_view tag, uint32_t flags, uint32_t frames,
                     uint32_t bytes) {
  std::string frame = MpegFrame(kMp3Header128k44k);
  const std::string body =
      absl::StrCat(tag, U32Be(flags), U32Be(frames), U32Be(bytes));
  frame.replace(36, body.size(), body);
  return frame;
}

std::string VbriFrame(uint32_t frames, uint32_t bytes) {
  std::string frame = MpegFrame(kMp3Header128k44k);
  const std::string body =
      absl::StrCat("VBRI", std::string(6, '\0'), U32Be(bytes), U32Be(frames));
  frame.replace(36, body.size(), body);
  return frame;
}

TEST(MpegAudioHeaderTest, DecodesAllVersionsAndLayers) {
  const auto l3 = DecodeMpegAudioHeader(kMp3Header128k44k);
  ASSERT_TRUE(l3.has_value());
  EXPECT_EQ(l3->frame_size, kFrame128k44k);
  EXPECT_EQ(l3->samples_per_frame, 1152);
  EXPECT_EQ(l3->xing_offset, 36u);

  const auto mpeg2 = DecodeMpegAudioHeader(0xFFF380C0);  // 64k, 22.05k, mono
  ASSERT_TRUE(mpeg2.has_value());
  EXPECT_EQ(mpeg2->sample_rate_hz, 22050);
  EXPECT_EQ(mpeg2->samples_per_frame, 576);
  EXPECT_EQ(mpeg2->frame_size, 208u);
  EXPECT_EQ(mpeg2->channels, 1);
  EXPECT_EQ(mpeg2->xing_offset, 13u);

  const auto mpeg25 = DecodeMpegAudioHeader(0xFFE38000);
  ASSERT_TRUE(mpeg25.has_value());
  EXPECT_EQ(mpeg25->sample_rate_hz, 11025);

  const auto layer2 = DecodeMpegAudioHeader(0xFFFD8000);
  ASSERT_TRUE(layer2.has_value());
  EXPECT_EQ(layer2->layer, 2);
  EXPECT_EQ(layer2->frame_size, 417u);

  const auto layer1 = DecodeMpegAudioHeader(0xFFFF1000);  // 32k, 44.1k
  ASSERT_TRUE(layer1.has_value());
  EXPECT_EQ(layer1->samples_per_frame, 384);
  EXPECT_EQ(layer1->frame_size, 32u);  // (12 * 32000 / 44100) * 4
}

TEST(MpegAudioHeaderTest, RejectsReservedAndFreeFormatFields) {
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFFEB9000).has_value());  // version 01
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFFF99000).has_value());  // layer 00
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFFFB0000).has_value());  // free format
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFFFBF000).has_value());  // bitrate 15
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFFFB9C00).has_value());  // rate 3
  EXPECT_FALSE(DecodeMpegAudioHeader(0xFF7B9000).has_value());  // no sync
}

TEST(Mp3ParserTest, WalksFramesWithoutATag) {
  const auto info = ParseMp3(Frames(kMp3Header128k44k, 100));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, AudioFormat::kMp3);
  EXPECT_EQ(info->duration_ms, 100 * kFrameUs / 1000);
  EXPECT_EQ(info->sample_rate_hz, 44100);
  EXPECT_EQ(info->channels, 2);
}

TEST(Mp3ParserTest, SkipsId3v2TagsAndTrailingTags) {
  const std::string frames = Frames(kMp3Header128k44k, 50);
  const std::string id3v1 = "TAG" + std::string(125, 'x');
  // An APEv2 tag of just its 32-byte footer (version, size, items, flags).
  const std::string ape = absl::StrCat("APETAGEX", std::string(4, '\0'),
                                       U32Le(32), std::string(16, '\0'));
  for (const std::string& file :
       {Id3v2Tag(100) + frames, Id3v2Tag(100, /*footer=*/true) + frames,
        Id3v2Tag(10) + Id3v2Tag(20) + frames, frames + id3v1,
        Id3v2Tag(5) + frames + ape + id3v1}) {
    const auto info = ParseMp3(file);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->duration_ms, 50 * kFrameUs / 1000);
  }
}

TEST(Mp3ParserTest, FindsTheFirstFrameAfterMisdeclaredId3Padding) {
  const auto info = ParseMp3(Id3v2Tag(100) + std::string(3000, '\0') +
                             Frames(kMp3Header128k44k, 10));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 10 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, TrustsAPlausibleXingFrameCount) {
  const std::string audio = Frames(kMp3Header128k44k, 200);
  const uint32_t bytes = static_cast<uint32_t>(kFrame128k44k + audio.size());
  // The frame count wins over the walk: claim 190 of the 200 frames.
  const auto info = ParseMp3(TagFrame("Xing", 3, 190, bytes) + audio);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 190 * kFrameUs / 1000);

  const auto info_tag =
      ParseMp3(Id3v2Tag(40) + TagFrame("Info", 1, 190, 0) + audio);
  ASSERT_TRUE(info_tag.ok()) << info_tag.status();
  EXPECT_EQ(info_tag->duration_ms, 190 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, WalksWhenTheXingFrameCountIsImplausible) {
  const std::string audio = Frames(kMp3Header128k44k, 200);
  for (uint32_t frames : {0u, 5u, 100000u}) {
    const auto info = ParseMp3(TagFrame("Xing", 1, frames, 0) + audio);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->duration_ms, 200 * kFrameUs / 1000) << frames;
  }
}

TEST(Mp3ParserTest, RejectsAStreamShorterThanItsXingByteCount) {
  const std::string audio = Frames(kMp3Header128k44k, 200);
  const std::string file = TagFrame("Xing", 3, 200, 1000000) + audio;
  EXPECT_THAT(ParseMp3(file),
              IsInvalidArgumentWith("truncated MP3: Xing/VBRI tag declares "
                                    "1000000 bytes of audio, 83817 present"));
  // Writers that count the ID3v2 tag in the byte count are whole files.
  const uint32_t with_tag =
      static_cast<uint32_t>(kFrame128k44k + audio.size() + 60);
  EXPECT_TRUE(
      ParseMp3(Id3v2Tag(50) + TagFrame("Xing", 3, 200, with_tag) + audio).ok());
}

TEST(Mp3ParserTest, ReadsVbriFrameCount) {
  const std::string audio = Frames(kMp3Header128k44k, 120);
  const auto info = ParseMp3(
      VbriFrame(120, static_cast<uint32_t>(audio.size() + kFrame128k44k)) +
      audio);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 120 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, ResyncsPastACorruptRegion) {
  std::string junk(1500, '\x55');
  junk[700] = '\xFF';  // A lone sync byte inside the junk is not a frame.
  junk[701] = '\xFB';
  const auto info = ParseMp3(Frames(kMp3Header128k44k, 30) + junk +
                             Frames(kMp3Header128k44k, 40));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 70 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, IgnoresAFinalFrameCutShort) {
  const std::string frames = Frames(kMp3Header128k44k, 20);
  const auto info = ParseMp3(frames.substr(0, frames.size() - 100));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 19 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, MeasuresMpeg2AndLayerII) {
  const auto mpeg2 = ParseMp3(Frames(0xFFF380C0, 100));
  ASSERT_TRUE(mpeg2.ok()) << mpeg2.status();
  EXPECT_EQ(mpeg2->duration_ms, 100 * 576 * 1000 / 22050);
  const auto layer2 = ParseMp3(Frames(0xFFFD8000, 100));
  ASSERT_TRUE(layer2.ok()) << layer2.status();
  EXPECT_EQ(layer2->duration_ms, 100 * kFrameUs / 1000);
}

TEST(Mp3ParserTest, RejectsWhatIsNotARunOfFrames) {
  const std::string one_header =
      U32Be(kMp3Header128k44k) + std::string(2000, 'z');
  EXPECT_THAT(ParseMp3(one_header),
              IsInvalidArgumentWith("not a recognised audio container"));
  // Two streams spliced at the start: sample rates differ.
  EXPECT_THAT(ParseMp3(MpegFrame(kMp3Header128k44k) + Frames(0xFFFB9400, 5)),
              IsInvalidArgumentWith("not a recognised audio container"));
  EXPECT_THAT(ParseMp3(Id3v2Tag(20) + std::string(500, 'a')),
              IsInvalidArgumentWith("corrupt MP3: no run of valid MPEG audio"));
  EXPECT_THAT(ParseMp3(std::string("ID3\x04\x00\x00\x00\x00\x80\x00", 10)),
              IsInvalidArgumentWith("corrupt MP3: ID3v2 tag size is not "
                                    "syncsafe"));
  EXPECT_THAT(ParseMp3(Id3v2Tag(1000).substr(0, 600)),
              IsInvalidArgumentWith("truncated MP3: ID3v2 tag declares 1010"));
  EXPECT_THAT(ParseMp3("ID3\x04"),
              IsInvalidArgumentWith("truncated MP3: ID3v2 header"));
  EXPECT_THAT(ParseMp3(""),
              IsInvalidArgumentWith("not a recognised audio container"));
}

}  // namespace
}  // namespace lipsync::audio

#include "service/audio/m4a_parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audio/audio_bytes.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::Box;
using ::lipsync::audio::testing::Ftyp;
using ::lipsync::audio::testing::FullBox;
using ::lipsync::audio::testing::IsInvalidArgumentWith;
using ::lipsync::audio::testing::M4aSpec;
using ::lipsync::audio::testing::MakeM4a;
using ::lipsync::audio::testing::Moov;
using ::lipsync::audio::testing::U32Be;
using ::lipsync::audio::testing::U64Be;

TEST(M4aParserTest, PrefersTheTrackPresentationDuration) {
  for (bool mdat_first : {false, true}) {
    M4aSpec spec;
    spec.mdat_first = mdat_first;
    spec.track_duration = 4321;
    const auto info = ParseM4a(MakeM4a(spec));
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->format, AudioFormat::kM4a);
    EXPECT_EQ(info->duration_ms, 4321);
    EXPECT_EQ(info->sample_rate_hz, 44100);
    EXPECT_EQ(info->channels, 2);
  }
}

TEST(M4aParserTest, ReadsVersion1Headers) {
  M4aSpec spec;
  spec.header_version = 1;
  spec.movie_timescale = 48000;
  spec.track_duration = 48000ull * 59;
  const auto info = ParseM4a(MakeM4a(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 59000);
}

TEST(M4aParserTest, FallsBackToMdhdThenMehd) {
  M4aSpec spec;
  spec.track_duration = 0;
  spec.media_duration = 100000;
  auto info = ParseM4a(MakeM4a(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 2267);  // 100000 / 44100 s

  spec.media_duration = 0xFFFFFFFF;  // "unknown"
  spec.extra_moov_children = Box("mvex", FullBox("mehd", 0, U32Be(7500)));
  info = ParseM4a(MakeM4a(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 7500);

  spec.extra_moov_children.clear();
  EXPECT_THAT(ParseM4a(MakeM4a(spec)),
              IsInvalidArgumentWith("corrupt M4A: no duration"));
}

TEST(M4aParserTest, FallsBackToTimescaleWithoutASampleEntry) {
  M4aSpec spec;
  spec.with_sample_table = false;
  spec.media_timescale = 22050;
  const auto info = ParseM4a(MakeM4a(spec));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sample_rate_hz, 22050);
  EXPECT_EQ(info->channels, 0);
}

TEST(M4aParserTest, AcceptsLargeSizesAndSizeZero) {
  const std::string file = MakeM4a(M4aSpec{});
  // A 64-bit "free" box after the ftyp does not move the chunk offsets the
  // test cares about: the offsets just must stay inside the file.
  const std::string large_free =
      absl::StrCat(U32Be(1), "free", U64Be(24), std::string(8, '\0'));
  EXPECT_TRUE(ParseM4a(file + large_free).ok());
  // Size 0: the last box runs to the end of the file.
  EXPECT_TRUE(ParseM4a(file + U32Be(0) + "free" + std::string(100, 'x')).ok());
}

TEST(M4aParserTest, IgnoresDeepNestingOutsideTheAudioPath) {
  std::string nested = "leaf";
  for (int i = 0; i < 5000; ++i) nested = Box("udta", nested);
  M4aSpec spec;
  spec.extra_moov_children = nested;
  EXPECT_TRUE(ParseM4a(MakeM4a(spec)).ok());
}

TEST(M4aParserTest, RejectsBrokenFiles) {
  const std::string whole = MakeM4a(M4aSpec{});
  M4aSpec mdat_first_spec;
  mdat_first_spec.mdat_first = true;
  mdat_first_spec.mdat_payload = 1000;
  const std::string mdat_first = MakeM4a(mdat_first_spec);
  M4aSpec video;
  video.handler = "vide";
  M4aSpec short_mdhd;
  const std::string ftyp = Ftyp("M4A ", "isom");
  struct Case {
    std::string bytes;
    std::string message;
  };
  const Case cases[] = {
      {whole.substr(0, whole.size() - 10), "truncated M4A: box 'mdat'"},
      {mdat_first.substr(0, mdat_first.size() - 10),
       "truncated M4A: box 'moov'"},
      {mdat_first.substr(0, 500), "truncated M4A: box 'mdat' declares 1008"},
      {ftyp.substr(0, 10), "truncated M4A: box 'ftyp' declares"},
      {Box("ftyp", "M4A"), "corrupt M4A: box 'ftyp' is too short"},
      {Ftyp("heic", "mif1heic") + Box("meta", ""),
       "not a recognised audio container; accepted: WAV, MP3, M4A, AAC "
       "(ADTS) (ISO-BMFF brand 'heic' is not an MP4 brand)"},
      {MakeM4a(video), "(MP4 file without an audio track)"},
      {ftyp + Box("mdat", "abc"), "corrupt M4A: no moov box"},
      {ftyp + Box("moov", Box("trak", "")), "corrupt M4A: no mvhd box"},
      {ftyp + U32Be(4) + "free", "corrupt M4A: box 'free' declares 4 bytes"},
      {ftyp + U32Be(1) + "mdat" + U32Be(0), "truncated M4A: box 'mdat' 64-bit"},
      {ftyp + U32Be(1) + "mdat" + U64Be(1ull << 62),
       "truncated M4A: box 'mdat' declares 4611686018427387904 bytes"},
      {ftyp + Box("moov", U32Be(100) + "mvhd"),
       "corrupt M4A: box 'mvhd' overruns its parent 'moov'"},
      {ftyp + Box("moov", FullBox("mvhd", 0, "")),
       "corrupt M4A: box 'mvhd' is too short"},
      // The chunk offset points at the first byte after the file.
      {whole.substr(0, whole.size() - 72) + U32Be(0) + "mdat",
       "truncated M4A: audio chunk at byte"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseM4a(c.bytes), IsInvalidArgumentWith(c.message))
        << c.message;
  }
}

TEST(M4aParserTest, RejectsAnAudioTrackWithoutMdhd) {
  const std::string hdlr =
      FullBox("hdlr", 0, U32Be(0) + "soun" + std::string(13, '\0'));
  const std::string moov =
      Box("moov", FullBox("mvhd", 0, std::string(96, '\0')) +
                      Box("trak", Box("mdia", hdlr)));
  EXPECT_THAT(ParseM4a(Ftyp("M4A ", "") + moov),
              IsInvalidArgumentWith("corrupt M4A: audio track has no mdhd"));
}

}  // namespace
}  // namespace lipsync::audio

#include "service/audio/wav_parser.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audio/audio_bytes.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::IsInvalidArgumentWith;
using ::lipsync::audio::testing::MakePcmWav;
using ::lipsync::audio::testing::PcmFmt;
using ::lipsync::audio::testing::RiffChunk;
using ::lipsync::audio::testing::RiffChunkHeader;
using ::lipsync::audio::testing::RiffWave;
using ::lipsync::audio::testing::U16Le;
using ::lipsync::audio::testing::U32Le;
using ::lipsync::audio::testing::U64Le;

using namespace std::string_literals;

std::string Zeros(size_t n) { return std::string(n, '\0'); }

// fmt payload of WAVE_FORMAT_EXTENSIBLE around `sub_format`.
std::string ExtensibleFmt(uint16_t channels, uint32_t rate, uint16_t bits,
                          uint16_t sub_format) {
  const std::string base = PcmFmt(channels, rate, bits, 0xFFFE);
  return absl::StrCat(
      base, U16Le(22), U16Le(bits), U32Le(0x3), U16Le(sub_format),
      "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71"s);
}

TEST(WavParserTest, MeasuresPcmFromTheDataChunk) {
  const auto info = ParseWav(MakePcmWav(1, 16000, 16, 48000));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, AudioFormat::kWav);
  EXPECT_EQ(info->duration_ms, 3000);
  EXPECT_EQ(info->sample_rate_hz, 16000);
  EXPECT_EQ(info->channels, 1);

  const auto stereo24 = ParseWav(MakePcmWav(2, 44100, 24, 44100 * 5 / 2));
  ASSERT_TRUE(stereo24.ok()) << stereo24.status();
  EXPECT_EQ(stereo24->duration_ms, 2500);
  EXPECT_EQ(stereo24->channels, 2);
}

TEST(WavParserTest, ReadsTheRealCodecOfWaveFormatExtensible) {
  const std::string fmt = ExtensibleFmt(4, 48000, 32, 3);
  ASSERT_EQ(fmt.size(), 40u);
  const auto info = ParseWav(RiffWave(absl::StrCat(
      RiffChunk("fmt ", fmt), RiffChunk("data", Zeros(16 * 4800)))));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 100);
  EXPECT_EQ(info->channels, 4);
}

TEST(WavParserTest, RejectsExtensibleFmtWithoutItsExtension) {
  const std::string fmt = PcmFmt(2, 48000, 16, 0xFFFE) + U16Le(0);
  EXPECT_THAT(ParseWav(RiffWave(absl::StrCat(RiffChunk("fmt ", fmt),
                                             RiffChunk("data", Zeros(8))))),
              IsInvalidArgumentWith("corrupt WAV: WAVE_FORMAT_EXTENSIBLE"));
}

TEST(WavParserTest, SkipsOtherChunksAndTheirPadByte) {
  const auto info = ParseWav(RiffWave(absl::StrCat(
      RiffChunk("LIST", "odd"), RiffChunk("fmt ", PcmFmt(1, 8000, 8)),
      RiffChunk("junk", "x"), RiffChunk("data", Zeros(16000)))));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 2000);
}

TEST(WavParserTest, AcceptsDataBeforeFmt) {
  const auto info =
      ParseWav(RiffWave(absl::StrCat(RiffChunk("data", Zeros(32000)),
                                     RiffChunk("fmt ", PcmFmt(1, 8000, 16)))));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 2000);
}

TEST(WavParserTest, StreamingSizesMeanToTheEndOfTheBytes) {
  for (uint32_t sentinel : {0xFFFFFFFFu, 0x7FFFF000u}) {
    const std::string wav = absl::StrCat("RIFF", U32Le(0xFFFFFFFF), "WAVE",
                                         RiffChunk("fmt ", PcmFmt(2, 8000, 16)),
                                         RiffChunkHeader("data", sentinel),
                                         Zeros(8000 * 4 * 3 + 2));
    const auto info = ParseWav(wav);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->duration_ms, 3000);
  }
}

TEST(WavParserTest, RejectsADataChunkLongerThanTheBytes) {
  const std::string wav = absl::StrCat(
      "RIFF", U32Le(100036), "WAVE", RiffChunk("fmt ", PcmFmt(1, 8000, 16)),
      RiffChunkHeader("data", 100000), Zeros(50000));
  EXPECT_THAT(ParseWav(wav),
              IsInvalidArgumentWith(
                  "truncated WAV: data chunk declares 100000 bytes, 50000"));
}

TEST(WavParserTest, ReadsRf64DataSizeFromDs64) {
  const std::string ds64 =
      absl::StrCat(U64Le(0), U64Le(64000), U64Le(32000), U32Le(0));
  const std::string wav =
      absl::StrCat("RF64", U32Le(0xFFFFFFFF), "WAVE", RiffChunk("ds64", ds64),
                   RiffChunk("fmt ", PcmFmt(1, 16000, 16)),
                   RiffChunkHeader("data", 0xFFFFFFFF), Zeros(64000));
  const auto info = ParseWav(wav);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->duration_ms, 2000);
}

TEST(WavParserTest, CompressedCodecsUseFactOrByteRate) {
  // IMA ADPCM (0x11): 4 bits per sample; byte_rate 4055 at 8 kHz mono.
  std::string fmt = absl::StrCat(U16Le(0x11), U16Le(1), U32Le(8000),
                                 U32Le(4055), U16Le(256), U16Le(4));
  const auto with_fact = ParseWav(RiffWave(
      absl::StrCat(RiffChunk("fmt ", fmt), RiffChunk("fact", U32Le(24000)),
                   RiffChunk("data", Zeros(1000)))));
  ASSERT_TRUE(with_fact.ok()) << with_fact.status();
  EXPECT_EQ(with_fact->duration_ms, 3000);

  const auto without_fact = ParseWav(RiffWave(absl::StrCat(
      RiffChunk("fmt ", fmt), RiffChunk("data", Zeros(4055 * 2)))));
  ASSERT_TRUE(without_fact.ok()) << without_fact.status();
  EXPECT_EQ(without_fact->duration_ms, 2000);
}

TEST(WavParserTest, RejectsBrokenHeaders) {
  const std::string data = RiffChunk("data", Zeros(64));
  struct Case {
    std::string bytes;
    std::string message;
  };
  const Case cases[] = {
      {"RIFF", "truncated WAV: RIFF header needs 12 bytes"},
      {"RIFF\x24\x00\x00\x00WAV"s, "truncated WAV: RIFF header"},
      {absl::StrCat("RIFF", U32Le(4), "WAVE"), "truncated WAV: no fmt chunk"},
      {RiffWave(RiffChunk("fmt ", PcmFmt(1, 8000, 16))),
       "truncated WAV: no data chunk"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(1, 8000, 16)), "dat")),
       "truncated WAV: no data chunk"},
      {RiffWave(absl::StrCat(RiffChunkHeader("fmt ", 16), "\x01\x00"s)),
       "truncated WAV: 'fmt ' chunk declares 16 bytes, 2 present"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", Zeros(14)), data)),
       "corrupt WAV: fmt chunk is 14 bytes"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(0, 8000, 16)), data)),
       "corrupt WAV: fmt declares 0 channels"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(1, 0, 16)), data)),
       "corrupt WAV: sample rate 0 Hz"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(1, 4000000, 16)), data)),
       "corrupt WAV: sample rate 4000000 Hz"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(1, 8000, 0)), data)),
       "corrupt WAV: fmt block_align is 0"},
      {RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(1, 8000, 16)),
                             RiffChunk("fmt ", PcmFmt(1, 8000, 16)), data)),
       "corrupt WAV: two fmt chunks"},
      {RiffWave(absl::StrCat(RiffChunkHeader("LIST", 0xFFFFFFF0), Zeros(8))),
       "truncated WAV: 'LIST' chunk declares 4294967280 bytes, 8 present"},
      {absl::StrCat("RIFF", U32Le(4), "AVI LIST"),
       "not a recognised audio container; accepted: WAV, MP3, M4A, AAC (ADTS) "
       "(RIFF form type 'AVI ', not 'WAVE')"},
      {"ID3", "not a recognised audio container"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseWav(c.bytes), IsInvalidArgumentWith(c.message))
        << absl::CEscape(c.bytes);
  }
}

}  // namespace
}  // namespace lipsync::audio

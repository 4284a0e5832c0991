#include "service/audio/audio_sniffer.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/audio/audio_bytes.h"
#include "tests/support/cord_pieces.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::AdtsFrame;
using ::lipsync::audio::testing::Id3v2Tag;
using ::lipsync::audio::testing::IsInvalidArgumentWith;
using ::lipsync::audio::testing::kMp3Header128k44k;
using ::lipsync::audio::testing::M4aSpec;
using ::lipsync::audio::testing::MakeM4a;
using ::lipsync::audio::testing::MakePcmWav;
using ::lipsync::audio::testing::MpegFrame;
using ::lipsync::audio::testing::PcmFmt;
using ::lipsync::audio::testing::RiffChunk;
using ::lipsync::audio::testing::RiffChunkHeader;
using ::lipsync::audio::testing::RiffWave;
using ::lipsync::audio::testing::U16Le;
using ::lipsync::audio::testing::U32Le;
using ::lipsync::audio::testing::U64Le;

constexpr char kNotRecognised[] =
    "not a recognised audio container; accepted: WAV, MP3, M4A, AAC (ADTS)";

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(AudioFormatNameTest, NamesEachFormat) {
  EXPECT_EQ(AudioFormatName(AudioFormat::kWav), "wav");
  EXPECT_EQ(AudioFormatName(AudioFormat::kMp3), "mp3");
  EXPECT_EQ(AudioFormatName(AudioFormat::kM4a), "m4a");
  EXPECT_EQ(AudioFormatName(AudioFormat::kAac), "aac");
}

TEST(SniffAudioTest, DispatchesOnTheBytes) {
  struct Case {
    std::string bytes;
    AudioFormat format;
  };
  const std::string adts = AdtsFrame(3, 2, 300);
  const Case cases[] = {
      {MakePcmWav(1, 8000, 16, 16000), AudioFormat::kWav},
      {MakeM4a(M4aSpec{}), AudioFormat::kM4a},
      {Repeat(MpegFrame(kMp3Header128k44k), 5), AudioFormat::kMp3},
      {Id3v2Tag(30) + Repeat(MpegFrame(kMp3Header128k44k), 5),
       AudioFormat::kMp3},
      {Repeat(adts, 5), AudioFormat::kAac},
      {Id3v2Tag(30) + Repeat(adts, 5), AudioFormat::kAac},
  };
  for (const Case& c : cases) {
    const auto info = SniffAudio(c.bytes);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->format, c.format);
  }
}

TEST(SniffAudioTest, RejectsWhatIsNotAudio) {
  const std::string cases[] = {
      "",
      "abc",
      std::string(1, '\xFF'),
      std::string(4096, '\0'),
      "hello, this is plain text and not audio at all",
      std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16),
      "%PDF-1.7\n",
      std::string("\xFF\xD8\xFF\xE0\0\x10JFIF", 10),
      std::string("OggS\0\x02", 6) + std::string(100, '\0'),
      std::string("fLaC\0\0\0\x22", 8) + std::string(100, '\0'),
      std::string("\x1A\x45\xDF\xA3", 4) + std::string(100, '\0'),
      // A lone MPEG audio header, and one ADTS header, followed by noise.
      MpegFrame(kMp3Header128k44k) + std::string(30, '\x01'),
      AdtsFrame(3, 2, 300) + std::string(30, '\x01'),
  };
  for (const std::string& bytes : cases) {
    EXPECT_THAT(SniffAudio(bytes), IsInvalidArgumentWith(kNotRecognised));
  }
  EXPECT_THAT(SniffAudio("RIFF" + U32Le(4) + "AVI LIST"),
              IsInvalidArgumentWith("'AVI ', not 'WAVE'"));
  EXPECT_THAT(SniffAudio("RIF"), IsInvalidArgumentWith(kNotRecognised));
  EXPECT_THAT(SniffAudio("RIFF"), IsInvalidArgumentWith("truncated WAV"));
}

TEST(SniffAudioTest, ReportsTheClaimedFormatsOwnProblem) {
  EXPECT_THAT(SniffAudio(MakePcmWav(1, 8000, 16, 16000).substr(0, 30)),
              IsInvalidArgumentWith("truncated WAV"));
  const std::string m4a = MakeM4a(M4aSpec{});
  EXPECT_THAT(SniffAudio(m4a.substr(0, m4a.size() - 1)),
              IsInvalidArgumentWith("truncated M4A"));
  EXPECT_THAT(SniffAudio(Id3v2Tag(100).substr(0, 50)),
              IsInvalidArgumentWith("truncated audio: ID3v2 tag declares"));
  EXPECT_THAT(SniffAudio(Id3v2Tag(10) + "noise noise noise"),
              IsInvalidArgumentWith("corrupt MP3"));
}

// Random bytes must never be accepted, never crash, never hang.
TEST(SniffAudioTest, RandomBytesAreNotAudio) {
  std::mt19937 random(20240611);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(1 + random() % 4096, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    // Half the rounds start with a plausible sync or signature.
    switch (round % 6) {
      case 1:
        bytes.replace(0, 2, "\xFF\xFB");
        break;
      case 2:
        bytes.replace(0, 2, "\xFF\xF1");
        break;
      case 3:
        bytes = "RIFF" + bytes.substr(0, 4) + "WAVE" + bytes;
        break;
      case 4:
        bytes = std::string("\0\0\0\x20", 4) + "ftyp" + bytes;
        break;
      case 5:
        bytes = Id3v2Tag(round % 40) + bytes;
        break;
      default:
        break;
    }
    const auto info = SniffAudio(bytes);
    if (info.ok()) {
      // Only hand-built signatures can get through, and only when the
      // random tail happens to be a well-formed container: report it.
      ADD_FAILURE() << "random input accepted as "
                    << AudioFormatName(info->format) << " round " << round;
    } else {
      EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

void ExpectSameVerdictInPieces(const std::string& bytes) {
  const absl::StatusOr<AudioInfo> flat = SniffAudio(bytes);
  for (size_t piece : {1u, 2u, 3u, 5u, 8u, 13u, 64u, 1000u}) {
    SCOPED_TRACE(::testing::Message()
                 << bytes.size() << " bytes in pieces of " << piece);
    const absl::StatusOr<AudioInfo> pieces =
        SniffAudio(::lipsync::testing::CordInPieces(bytes, piece));
    ASSERT_EQ(pieces.status(), flat.status());
    if (!flat.ok()) continue;
    EXPECT_EQ(pieces->format, flat->format);
    EXPECT_EQ(pieces->duration_ms, flat->duration_ms);
    EXPECT_EQ(pieces->sample_rate_hz, flat->sample_rate_hz);
    EXPECT_EQ(pieces->channels, flat->channels);
  }
}

TEST(SniffAudioTest, AudioInPiecesGetsTheVerdictOfTheSameBytesFlat) {
  const std::string zeros(3000, '\0');
  const std::string ds64 =
      absl::StrCat(U64Le(0), U64Le(3000), U64Le(1500), U32Le(0));
  const std::string extensible =
      absl::StrCat(PcmFmt(2, 8000, 16, 0xFFFE), U16Le(22), U16Le(16), U32Le(3),
                   U16Le(1), std::string(14, '\x01'));
  const std::string wavs[] = {
      MakePcmWav(1, 8000, 16, 16000),
      RiffWave(absl::StrCat(RiffChunk("LIST", std::string(333, 'x')),
                            RiffChunk("fmt ", PcmFmt(1, 8000, 8)),
                            RiffChunk("fact", U32Le(3000)),
                            RiffChunk("data", zeros))),
      RiffWave(absl::StrCat(RiffChunk("data", zeros + "z"),
                            RiffChunk("fmt ", PcmFmt(1, 1000, 8)))),
      RiffWave(absl::StrCat(RiffChunk("fmt ", extensible),
                            RiffChunk("data", zeros))),
      absl::StrCat("RF64", U32Le(0xFFFFFFFF), "WAVE", RiffChunk("ds64", ds64),
                   RiffChunk("fmt ", PcmFmt(1, 1000, 8)),
                   RiffChunkHeader("data", 0xFFFFFFFF), zeros),
      RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(0, 8000, 16)),
                            RiffChunk("data", zeros))),
  };
  for (const std::string& wav : wavs) {
    // Every cut, so that each header and size check meets a chunk edge.
    for (size_t size = 0; size <= std::min<size_t>(wav.size(), 420); ++size) {
      ExpectSameVerdictInPieces(wav.substr(0, size));
    }
    ExpectSameVerdictInPieces(wav);
  }
  const std::string adts = AdtsFrame(3, 2, 300);
  const std::string others[] = {
      MakeM4a(M4aSpec{}),
      Repeat(MpegFrame(kMp3Header128k44k), 5),
      Id3v2Tag(30) + Repeat(adts, 5),
      "hello, this is plain text and not audio at all",
      "RIFF" + U32Le(4) + "AVI LIST",
  };
  for (const std::string& bytes : others) ExpectSameVerdictInPieces(bytes);
}

}  // namespace
}  // namespace lipsync::audio

// SniffAudio against real files made by sox and ffmpeg, with ffprobe as the
// independent witness of each duration (within 50 ms). The tools are a hard
// requirement: a missing tool fails the suite rather than skipping it.

#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/audio/audio_sniffer.h"
#include "tests/audio/audio_bytes.h"
#include "tests/audio/fixture_tools.h"

namespace lipsync::audio {
namespace {

using ::lipsync::audio::testing::FfprobeFormatDuration;
using ::lipsync::audio::testing::FfprobePacketDuration;
using ::lipsync::audio::testing::FixtureDir;
using ::lipsync::audio::testing::IsInvalidArgumentWith;
using ::lipsync::audio::testing::MissingFixtureTools;
using ::lipsync::audio::testing::ReadWholeFile;
using ::lipsync::audio::testing::RunCommand;

constexpr double kToleranceMs = 50;

enum class Witness { kFormatDuration, kPacketDurations };

struct Fixture {
  std::string name;  // Test name and file stem.
  std::string ext;
  std::string command;  // "{out}" is the file, "{d}" the seconds.
  double seconds;
  AudioFormat format;
  int sample_rate_hz;
  int channels;
  Witness witness = Witness::kFormatDuration;
};

// gtest prints a parameter in failure messages: the name says it all.
void PrintTo(const Fixture& f, std::ostream* os) { *os << f.name; }

const char kFfmpeg[] = "ffmpeg -nostdin -hide_banner -v error -y ";

std::string Sine(int rate) {
  return absl::StrCat("-f lavfi -i sine=frequency=440:sample_rate=", rate,
                      ":duration={d} ");
}

// Noise makes VBR encoders vary their frame sizes.
std::string Noise(int rate) {
  return absl::StrCat("-f lavfi -i anoisesrc=color=pink:amplitude=0.3:",
                      "sample_rate=", rate, ":duration={d} ");
}

std::string Sox(absl::string_view options, absl::string_view effects = "") {
  return absl::StrCat("sox -n ", options, " {out} synth {d} sine 440 ",
                      effects);
}

std::string Ff(absl::string_view input, absl::string_view options) {
  return absl::StrCat(kFfmpeg, input, options, " {out}");
}

std::vector<Fixture> FormatFixtures() {
  const AudioFormat kWav = AudioFormat::kWav, kMp3 = AudioFormat::kMp3,
                    kM4a = AudioFormat::kM4a, kAac = AudioFormat::kAac;
  const Witness kPackets = Witness::kPacketDurations;
  return {
      // WAV: bit depths, rates, layouts, codecs, header variants.
      {"wav_u8_8k_mono", "wav", Sox("-r 8000 -c 1 -b 8 -e unsigned-integer"),
       3.3, kWav, 8000, 1},
      {"wav_s16_16k_mono", "wav", Sox("-r 16000 -c 1 -b 16"), 12.5, kWav, 16000,
       1},
      {"wav_s24_44k_stereo", "wav", Sox("-r 44100 -c 2 -b 24"), 7.25, kWav,
       44100, 2},
      {"wav_s16_48k_stereo_list_chunk", "wav",
       Ff(Sine(48000), "-ac 2 -c:a pcm_s16le"), 30, kWav, 48000, 2},
      {"wav_f32_extensible_48k_stereo", "wav",
       Sox("-r 48000 -c 2 -b 32 -e floating-point"), 4.4, kWav, 48000, 2},
      {"wav_s16_extensible_44k_4ch", "wav",
       Ff(Sine(44100), "-ac 4 -c:a pcm_s16le"), 5, kWav, 44100, 4},
      {"wav_alaw_8k_mono", "wav", Ff(Sine(8000), "-c:a pcm_alaw"), 6, kWav,
       8000, 1},
      {"wav_mulaw_8k_mono", "wav", Ff(Sine(8000), "-c:a pcm_mulaw"), 6, kWav,
       8000, 1},
      {"wav_adpcm_ima_22k_mono", "wav", Ff(Sine(22050), "-c:a adpcm_ima_wav"),
       5, kWav, 22050, 1},
      {"wav_rf64_16k_mono", "wav", Ff(Sine(16000), "-rf64 always"), 3, kWav,
       16000, 1},
      {"wav_streamed_to_pipe", "wav",
       absl::StrCat(kFfmpeg, Sine(44100), "-f wav pipe:1 > {out}"), 4, kWav,
       44100, 1},
      // MP3: CBR with and without Xing/Info and ID3 tags, VBR, MPEG-2/2.5.
      {"mp3_cbr128_44k_id3v2_info", "mp3",
       Ff(Sine(44100), "-ac 2 -c:a libmp3lame -b:a 128k"), 10, kMp3, 44100, 2},
      {"mp3_cbr_44k_no_tags_no_xing", "mp3",
       Ff(Sine(44100),
          "-c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0"),
       10, kMp3, 44100, 1},
      {"mp3_cbr_44k_id3v1_no_xing", "mp3",
       Ff(Sine(44100), "-c:a libmp3lame -b:a 96k -write_xing 0 -write_id3v1 1"),
       8.5, kMp3, 44100, 1},
      {"mp3_cbr_48k_id3v1_id3v2_info", "mp3",
       Ff(Sine(48000), "-ac 2 -c:a libmp3lame -b:a 192k -write_id3v1 1"), 8.5,
       kMp3, 48000, 2},
      {"mp3_vbr_44k_stereo_xing", "mp3",
       Ff(Noise(44100), "-ac 2 -c:a libmp3lame -q:a 2"), 15, kMp3, 44100, 2},
      {"mp3_vbr_22k_mono_xing", "mp3",
       Ff(Noise(22050), "-c:a libmp3lame -q:a 6"), 9, kMp3, 22050, 1},
      {"mp3_vbr_48k_stereo_xing", "mp3",
       Ff(Noise(48000), "-ac 2 -c:a libmp3lame -q:a 4"), 20, kMp3, 48000, 2},
      // Without a Xing tag ffprobe estimates a VBR file's duration from the
      // first frames' bitrate (measured 10.50 s for this 11 s file): its
      // packets are the witness.
      {"mp3_vbr_44k_no_xing_walked", "mp3",
       Ff(Noise(44100), "-c:a libmp3lame -q:a 5 -write_xing 0"), 11, kMp3,
       44100, 1, kPackets},
      {"mp3_cbr_16k_mpeg2_no_xing", "mp3",
       Ff(Sine(16000), "-c:a libmp3lame -b:a 32k -write_xing 0"), 6, kMp3,
       16000, 1},
      {"mp3_cbr_8k_mpeg25_no_xing", "mp3",
       Ff(Sine(8000), "-c:a libmp3lame -b:a 16k -write_xing 0"), 6, kMp3, 8000,
       1},
      {"mp3_sox_lame_44k_stereo", "mp3", Sox("-r 44100 -c 2"), 5, kMp3, 44100,
       2},
      {"mp3_with_cover_art", "mp3",
       absl::StrCat(kFfmpeg, Sine(44100),
                    "-f lavfi -i color=c=red:size=320x240:rate=1:duration=1 "
                    "-map 0:a -map 1:v -c:a libmp3lame -c:v png "
                    "-id3v2_version 3 -disposition:v attached_pic {out}"),
       7, kMp3, 44100, 1},
      {"mp2_layer2_44k", "mp2", Ff(Sine(44100), "-c:a mp2 -f mp2"), 5, kMp3,
       44100, 1},
      // M4A: AAC in MP4, moov last and first, fragmented.
      {"m4a_aac_44k_mono", "m4a", Ff(Sine(44100), "-c:a aac"), 10, kM4a, 44100,
       1},
      {"m4a_aac_48k_stereo_faststart", "m4a",
       Ff(Sine(48000), "-ac 2 -c:a aac -movflags +faststart"), 25, kM4a, 48000,
       2},
      {"m4a_aac_16k_mono", "m4a", Ff(Sine(16000), "-c:a aac -b:a 32k"), 8, kM4a,
       16000, 1},
      {"m4a_aac_fragmented", "m4a",
       Ff(Sine(44100), "-ac 2 -c:a aac -movflags frag_keyframe+empty_moov"), 6,
       kM4a, 44100, 2},
      {"mp4_aac_isom", "mp4", Ff(Sine(22050), "-c:a aac -f mp4"), 9, kM4a,
       22050, 1},
      // ADTS AAC.
      {"aac_adts_44k_mono", "aac", Ff(Sine(44100), "-c:a aac"), 10, kAac, 44100,
       1, kPackets},
      {"aac_adts_48k_stereo", "aac", Ff(Noise(48000), "-ac 2 -c:a aac"), 20,
       kAac, 48000, 2, kPackets},
      {"aac_adts_22k_stereo", "aac", Ff(Sine(22050), "-ac 2 -c:a aac"), 7, kAac,
       22050, 2, kPackets},
      {"aac_adts_with_id3v2", "aac",
       Ff(Sine(44100), "-c:a aac -write_id3v2 1 -f adts"), 5, kAac, 44100, 1,
       kPackets},
  };
}

// Each kind of file on both sides of the 2 s and 60 s limits, so that the
// validation rule built on kMin/kMaxAudioDurationMs sees the right values.
std::vector<Fixture> BoundaryFixtures() {
  struct Kind {
    std::string name, ext, options;
    AudioFormat format;
    int rate;
    Witness witness;
  };
  const Kind kinds[] = {
      {"wav", "wav", "-c:a pcm_s16le", AudioFormat::kWav, 16000,
       Witness::kFormatDuration},
      {"mp3_cbr_info", "mp3", "-c:a libmp3lame -b:a 64k", AudioFormat::kMp3,
       44100, Witness::kFormatDuration},
      {"mp3_cbr_walked", "mp3", "-c:a libmp3lame -b:a 64k -write_xing 0",
       AudioFormat::kMp3, 44100, Witness::kFormatDuration},
      {"mp3_vbr", "mp3", "-c:a libmp3lame -q:a 7", AudioFormat::kMp3, 22050,
       Witness::kFormatDuration},
      {"m4a", "m4a", "-c:a aac -b:a 48k", AudioFormat::kM4a, 44100,
       Witness::kFormatDuration},
      {"aac_adts", "aac", "-c:a aac -b:a 48k", AudioFormat::kAac, 44100,
       Witness::kPacketDurations},
  };
  std::vector<Fixture> out;
  for (const Kind& kind : kinds) {
    for (const auto& [seconds, label] :
         {std::pair{1.9, "1_9s"}, std::pair{2.1, "2_1s"},
          std::pair{59.9, "59_9s"}, std::pair{60.1, "60_1s"}}) {
      out.push_back({absl::StrCat("boundary_", kind.name, "_", label), kind.ext,
                     Ff(Sine(kind.rate), kind.options), seconds, kind.format,
                     kind.rate, 1, kind.witness});
    }
  }
  return out;
}

// Writes the fixture and returns its path; empty (with a test failure) when
// the tools are missing or fail.
std::string Generate(const Fixture& f) {
  const std::string missing = MissingFixtureTools();
  if (!missing.empty()) {
    ADD_FAILURE() << missing;
    return "";
  }
  const std::string path = absl::StrCat(FixtureDir(), "/", f.name, ".", f.ext);
  const std::string command = absl::StrReplaceAll(
      f.command, {{"{out}", path}, {"{d}", absl::StrCat(f.seconds)}});
  const absl::StatusOr<std::string> run = RunCommand(command);
  if (!run.ok()) {
    ADD_FAILURE() << run.status();
    return "";
  }
  return path;
}

class AudioFixtureTest : public ::testing::TestWithParam<Fixture> {};

TEST_P(AudioFixtureTest, AgreesWithFfprobe) {
  const Fixture& f = GetParam();
  const std::string path = Generate(f);
  ASSERT_FALSE(path.empty());
  const absl::StatusOr<std::string> bytes = ReadWholeFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status();

  const absl::StatusOr<AudioInfo> info = SniffAudio(*bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->format, f.format);
  EXPECT_EQ(info->sample_rate_hz, f.sample_rate_hz);
  EXPECT_EQ(info->channels, f.channels);

  const absl::StatusOr<double> witness = f.witness == Witness::kFormatDuration
                                             ? FfprobeFormatDuration(path)
                                             : FfprobePacketDuration(path);
  ASSERT_TRUE(witness.ok()) << witness.status();
  // Kept in the XML report (--gtest_output=xml) for a side-by-side view.
  RecordProperty("measured_ms", static_cast<int>(info->duration_ms));
  RecordProperty("ffprobe_ms", static_cast<int>(std::lround(*witness * 1000)));
  EXPECT_NEAR(static_cast<double>(info->duration_ms), *witness * 1000,
              kToleranceMs)
      << "ffprobe: " << *witness << " s";

  if (f.name.rfind("boundary_", 0) == 0) {
    if (f.seconds < 2) {
      EXPECT_LT(info->duration_ms, kMinAudioDurationMs);
    }
    if (f.seconds > 2 && f.seconds < 60) {
      EXPECT_GE(info->duration_ms, kMinAudioDurationMs);
      EXPECT_LE(info->duration_ms, kMaxAudioDurationMs);
    }
    if (f.seconds > 60) {
      EXPECT_GT(info->duration_ms, kMaxAudioDurationMs);
    }
  }
}

std::string FixtureName(const ::testing::TestParamInfo<Fixture>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Formats, AudioFixtureTest,
                         ::testing::ValuesIn(FormatFixtures()), FixtureName);
INSTANTIATE_TEST_SUITE_P(Boundaries, AudioFixtureTest,
                         ::testing::ValuesIn(BoundaryFixtures()), FixtureName);

// --- Damaged real files ---------------------------------------------------

std::string GenerateBytes(const Fixture& f) {
  const std::string path = Generate(f);
  if (path.empty()) return "";
  return ReadWholeFile(path).value_or("");
}

Fixture Small(absl::string_view name, absl::string_view ext,
              absl::string_view options, AudioFormat format) {
  return {std::string(name),
          std::string(ext),
          Ff(Sine(44100), options),
          3,
          format,
          44100,
          1};
}

// Every prefix of the first 512 bytes and a spread of cut points beyond:
// each must give a value or INVALID_ARGUMENT, never a crash or a read past
// the end (the ASan build checks the latter).
void ExpectEveryCutHandled(const std::string& bytes) {
  std::vector<size_t> cuts;
  for (size_t n = 0; n < bytes.size() && n < 512; ++n) cuts.push_back(n);
  for (size_t n = 512; n < bytes.size(); n += bytes.size() / 97 + 1) {
    cuts.push_back(n);
  }
  for (size_t n : cuts) {
    const absl::StatusOr<AudioInfo> info = SniffAudio(bytes.substr(0, n));
    if (!info.ok()) {
      ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument)
          << "cut at " << n << ": " << info.status();
    }
  }
}

TEST(DamagedFixtureTest, TruncatedContainersWithASizeAreRejected) {
  struct Case {
    Fixture fixture;
    std::string message;
  };
  const Case cases[] = {
      {Small("cut_wav", "wav", "-c:a pcm_s16le", AudioFormat::kWav),
       "truncated WAV: data chunk declares"},
      {Small("cut_m4a", "m4a", "-c:a aac", AudioFormat::kM4a), "truncated M4A"},
      {Small("cut_m4a_faststart", "m4a", "-c:a aac -movflags +faststart",
             AudioFormat::kM4a),
       "truncated M4A: box 'mdat'"},
      {Small("cut_mp3_info", "mp3", "-c:a libmp3lame", AudioFormat::kMp3),
       "truncated MP3: Xing/VBRI tag declares"},
  };
  for (const Case& c : cases) {
    const std::string bytes = GenerateBytes(c.fixture);
    ASSERT_FALSE(bytes.empty());
    ASSERT_TRUE(SniffAudio(bytes).ok()) << c.fixture.name;
    EXPECT_THAT(SniffAudio(bytes.substr(0, bytes.size() * 2 / 3)),
                IsInvalidArgumentWith(c.message))
        << c.fixture.name;
    ExpectEveryCutHandled(bytes);
  }
}

TEST(DamagedFixtureTest, TruncatedFrameStreamsMeasureWhatIsLeft) {
  const Fixture fixtures[] = {
      Small("cut_mp3_walked", "mp3", "-c:a libmp3lame -write_xing 0",
            AudioFormat::kMp3),
      Small("cut_adts", "aac", "-c:a aac", AudioFormat::kAac),
  };
  for (const Fixture& f : fixtures) {
    const std::string bytes = GenerateBytes(f);
    ASSERT_FALSE(bytes.empty());
    const absl::StatusOr<AudioInfo> whole = SniffAudio(bytes);
    ASSERT_TRUE(whole.ok()) << whole.status();
    const absl::StatusOr<AudioInfo> half =
        SniffAudio(bytes.substr(0, bytes.size() / 2));
    ASSERT_TRUE(half.ok()) << half.status();
    // Frames are close to constant size here: half the bytes, half the time.
    EXPECT_NEAR(half->duration_ms, whole->duration_ms / 2, 60) << f.name;
    ExpectEveryCutHandled(bytes);
  }
}

TEST(DamagedFixtureTest, RandomByteDamageNeverCrashes) {
  const Fixture fixtures[] = {
      Small("flip_wav", "wav", "-ac 2 -c:a pcm_s16le", AudioFormat::kWav),
      Small("flip_mp3", "mp3", "-c:a libmp3lame", AudioFormat::kMp3),
      Small("flip_mp3_walked", "mp3", "-c:a libmp3lame -write_xing 0",
            AudioFormat::kMp3),
      Small("flip_m4a", "m4a", "-c:a aac -movflags +faststart",
            AudioFormat::kM4a),
      Small("flip_adts", "aac", "-c:a aac", AudioFormat::kAac),
  };
  std::mt19937 random(7);
  for (const Fixture& f : fixtures) {
    const std::string bytes = GenerateBytes(f);
    ASSERT_FALSE(bytes.empty());
    for (int round = 0; round < 400; ++round) {
      std::string damaged = bytes;
      // Mostly in the headers, where the parsers look.
      const size_t span = round % 2 == 0
                              ? std::min<size_t>(damaged.size(), 2048)
                              : damaged.size();
      for (int i = 0; i < 1 + round % 8; ++i) {
        damaged[random() % span] = static_cast<char>(random());
      }
      const absl::StatusOr<AudioInfo> info = SniffAudio(damaged);
      if (!info.ok()) {
        ASSERT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument)
            << f.name << ": " << info.status();
      }
    }
  }
}

}  // namespace
}  // namespace lipsync::audio

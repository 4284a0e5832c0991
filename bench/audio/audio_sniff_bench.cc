// Times SniffAudio on ~5 MB files of each kind, generated with ffmpeg:
//   audio_sniff_bench [--keep DIR]
// Prints microseconds per call and MB/s (file bytes / time per call). Not a
// test: numbers depend on the machine; see service/audio/README.md.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "service/audio/audio_sniffer.h"

namespace {

using lipsync::audio::AudioFormatName;
using lipsync::audio::AudioInfo;
using lipsync::audio::SniffAudio;

struct Input {
  const char* name;
  const char* ffmpeg_args;  // Between the lavfi input and the output file.
  int seconds;
  const char* ext;
};

// Durations chosen so that each file is about 5 MB.
constexpr Input kInputs[] = {
    {"wav_s16_44k_mono", "-c:a pcm_s16le", 59, "wav"},
    {"m4a_aac_320k_moov_last", "-ac 2 -c:a aac -b:a 320k", 200, "m4a"},
    {"m4a_aac_320k_faststart", "-ac 2 -c:a aac -b:a 320k -movflags +faststart",
     200, "m4a"},
    {"mp3_cbr_128k_info_tag", "-c:a libmp3lame -b:a 128k", 330, "mp3"},
    {"mp3_vbr_xing_tag", "-ac 2 -c:a libmp3lame -q:a 0", 380, "mp3"},
    {"mp3_cbr_128k_no_xing_walk", "-c:a libmp3lame -b:a 128k -write_xing 0",
     330, "mp3"},
    {"mp3_cbr_32k_22k_no_xing_walk",
     "-ar 22050 -c:a libmp3lame -b:a 32k -write_xing 0", 1310, "mp3"},
    {"aac_adts_128k_walk", "-c:a aac -b:a 128k", 330, "aac"},
    // The longest audio the upstream accepts bounds a walk far more tightly
    // than 5 MB does: at most a few thousand frames.
    {"mp3_cbr_128k_60s_no_xing_walk", "-c:a libmp3lame -b:a 128k -write_xing 0",
     60, "mp3"},
    {"mp3_cbr_320k_60s_no_xing_walk",
     "-ac 2 -c:a libmp3lame -b:a 320k -write_xing 0", 60, "mp3"},
    {"aac_adts_128k_60s_walk", "-c:a aac -b:a 128k", 60, "aac"},
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Median of `rounds` timings of `calls` back-to-back calls, in µs per call.
double MicrosPerCall(const std::string& bytes, int calls, int rounds) {
  std::vector<double> samples;
  int64_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) {
      const absl::StatusOr<AudioInfo> info = SniffAudio(bytes);
      sink += info.ok() ? info->duration_ms : 1;
    }
    const auto stop = std::chrono::steady_clock::now();
    samples.push_back(
        std::chrono::duration<double, std::micro>(stop - start).count() /
        calls);
  }
  if (sink == 42) std::puts("");  // Keeps the calls from being optimised out.
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  if (argc == 3 && std::string(argv[1]) == "--keep") {
    dir = argv[2];
  } else {
    char pattern[] = "/tmp/audio_sniff_bench_XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 1;
    dir = pattern;
  }
  std::printf("%-32s %9s %10s %9s %12s %10s\n", "input", "MB", "audio_ms",
              "format", "us/call", "MB/s");
  for (const Input& input : kInputs) {
    const std::string path = absl::StrCat(dir, "/", input.name, ".", input.ext);
    const std::string command =
        absl::StrCat("test -s ", path,
                     " || ffmpeg -nostdin -v error -y -f lavfi -i "
                     "sine=frequency=440:sample_rate=44100:duration=",
                     input.seconds, " ", input.ffmpeg_args, " ", path);
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "failed: %s\n(needs ffmpeg)\n", command.c_str());
      return 1;
    }
    const std::string bytes = ReadFile(path);
    const absl::StatusOr<AudioInfo> info = SniffAudio(bytes);
    if (!info.ok()) {
      std::fprintf(stderr, "%s: %s\n", input.name,
                   info.status().ToString().c_str());
      return 1;
    }
    // Aim for ~0.2 s per round whatever the per-call cost.
    const double probe = MicrosPerCall(bytes, 3, 1);
    const int calls = std::max(3, static_cast<int>(200000 / (probe + 0.01)));
    const double us = MicrosPerCall(bytes, calls, 5);
    const double mb = bytes.size() / 1e6;
    std::printf("%-32s %9.2f %10lld %9s %12.3f %10.0f\n", input.name, mb,
                static_cast<long long>(info->duration_ms),
                std::string(AudioFormatName(info->format)).c_str(), us,
                mb / (us / 1e6));
  }
  if (argc != 3) {
    const std::string cleanup = absl::StrCat("rm -rf ", dir);
    if (std::system(cleanup.c_str()) != 0) return 1;
  }
  return 0;
}

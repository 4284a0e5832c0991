// Times the Base64 encoder on 5 MB of random bytes at every SIMD level this
// CPU runs, side by side with memcpy of the same bytes:
//   base64_bench [--rounds=N]
// Two shapes: one pass over the whole buffer, and the service's shape (the
// streamed create body hands libcurl 48 KiB of audio per 64 KiB upload
// buffer, service/common/streamed_body.cc). The levels and memcpy alternate
// within each round, so a noisy machine slows them alike; the table gives
// medians. Not a test: numbers depend on the machine (docs/PERFORMANCE.md).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "service/common/base64.h"

namespace {

using lipsync::Base64EncodedSize;
using lipsync::base64_internal::CpuRuns;
using lipsync::base64_internal::EncodeWith;
using lipsync::base64_internal::SimdLevel;
using lipsync::base64_internal::SimdLevelName;

constexpr std::size_t kAudioBytes = 5000000;
constexpr std::size_t kPieceBytes = 49152;  // 64 KiB of Base64

double MillisecondsOf(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string name;
  std::function<void()> run;
  std::vector<double> ms;
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 30;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rounds=", 9) == 0) {
      rounds = std::max(1, std::atoi(argv[i] + 9));
    } else {
      std::fprintf(stderr, "usage: %s [--rounds=N]\n", argv[0]);
      return 2;
    }
  }
  std::string audio(kAudioBytes, '\0');
  std::mt19937 rng(1);
  for (auto& c : audio) c = static_cast<char>(rng());
  std::string whole(Base64EncodedSize(kAudioBytes), '\0');
  std::string piece_buffer(Base64EncodedSize(kPieceBytes), '\0');
  std::string copy(kAudioBytes, '\0');

  std::vector<Row> rows;
  rows.push_back({"memcpy (5 MB, reference)",
                  [&] { std::memcpy(copy.data(), audio.data(), audio.size()); },
                  {}});
  for (SimdLevel level : {SimdLevel::kPortable, SimdLevel::kSsse3,
                          SimdLevel::kAvx2, SimdLevel::kAvx512Vbmi}) {
    if (!CpuRuns(level)) continue;
    rows.push_back({std::string(SimdLevelName(level)) + ", one pass",
                    [&, level] { EncodeWith(level, audio, whole.data()); },
                    {}});
    rows.push_back(
        {std::string(SimdLevelName(level)) + ", 48 KiB pieces",
         [&, level] {
           for (std::size_t at = 0; at < audio.size(); at += kPieceBytes) {
             EncodeWith(level, absl::string_view(audio).substr(at, kPieceBytes),
                        piece_buffer.data());
           }
         },
         {}});
  }
  for (auto& row : rows) row.run();  // warm caches and page tables
  for (int r = 0; r < rounds; ++r) {
    for (auto& row : rows) row.ms.push_back(MillisecondsOf(row.run));
  }
  const double memcpy_ms = Median(rows[0].ms);
  std::printf("%-32s %10s %10s %12s\n", "5,000,000 bytes", "median ms",
              "GB/s in", "x memcpy");
  for (const auto& row : rows) {
    const double ms = Median(row.ms);
    std::printf("%-32s %10.3f %10.2f %12.2f\n", row.name.c_str(), ms,
                kAudioBytes / ms / 1e6, ms / memcpy_ms);
  }
  return 0;
}

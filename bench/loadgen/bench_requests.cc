#include "bench/loadgen/bench_requests.h"

#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace lipsync::bench {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr std::size_t kWavHeaderBytes = 44;
constexpr uint32_t kSampleRateHz = 44100;
constexpr uint16_t kBytesPerSample = 2;
constexpr std::size_t kMaxWavDataBytes =
    60ull * kSampleRateHz * kBytesPerSample;  // 60 s

void PutLe32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutLe16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}

void AppendRandom(std::string* out, std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::size_t start = out->size();
  out->resize(start + n);
  char* p = out->data() + start;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t r = rng();
    for (int b = 0; b < 8; ++b) p[i + b] = static_cast<char>(r >> (8 * b));
  }
  const uint64_t r = rng();
  for (int b = 0; i < n; ++i, ++b) p[i] = static_cast<char>(r >> (8 * b));
}

}  // namespace

v1::CreateLipSyncTaskRequest SeedCreateRequest() {
  v1::CreateLipSyncTaskRequest request;
  request.set_session_id("825465778199224380");
  v1::FaceChoose* face = request.add_face_choose();
  face->set_face_id("-1");
  face->set_audio_id("825451760499568680");
  face->set_sound_start_time(0);
  face->set_sound_end_time(5000);
  face->set_sound_insert_time(1000);
  face->set_sound_volume(1.0);
  face->set_original_audio_volume(1.0);
  return request;
}

absl::StatusOr<std::string> MakeAudio(AudioKind kind, std::size_t total_bytes,
                                      uint64_t seed) {
  std::string audio;
  audio.reserve(total_bytes);
  if (kind == AudioKind::kRandom) {
    AppendRandom(&audio, total_bytes, seed);
    return audio;
  }
  if (total_bytes < kWavHeaderBytes + kBytesPerSample) {
    return absl::InvalidArgumentError("a WAV needs at least 46 bytes");
  }
  // Whole samples only; the odd byte, if any, is dropped.
  const std::size_t data =
      (total_bytes - kWavHeaderBytes) / kBytesPerSample * kBytesPerSample;
  if (data > kMaxWavDataBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a mono 16-bit 44.1 kHz WAV of ", total_bytes,
                     " bytes lasts over 60 s; the gateway would refuse it"));
  }
  audio.append("RIFF");
  PutLe32(&audio, static_cast<uint32_t>(36 + data));
  audio.append("WAVEfmt ");
  PutLe32(&audio, 16);
  PutLe16(&audio, 1);  // PCM
  PutLe16(&audio, 1);  // mono
  PutLe32(&audio, kSampleRateHz);
  PutLe32(&audio, kSampleRateHz * kBytesPerSample);
  PutLe16(&audio, kBytesPerSample);
  PutLe16(&audio, 8 * kBytesPerSample);
  audio.append("data");
  PutLe32(&audio, static_cast<uint32_t>(data));
  AppendRandom(&audio, data, seed);
  return audio;
}

v1::CreateLipSyncTaskRequest AudioCreateRequest(std::string audio) {
  v1::CreateLipSyncTaskRequest request = SeedCreateRequest();
  v1::FaceChoose* face = request.mutable_face_choose(0);
  face->clear_audio_id();
  face->set_sound_file_bytes(std::move(audio));
  return request;
}

std::string SeedCreateJson(absl::string_view audio) {
  const std::string source =
      audio.empty()
          ? std::string(R"("audio_id": "825451760499568680", "sound_file": "")")
          : absl::StrCat(R"("audio_id": "", "sound_file": ")",
                         absl::Base64Escape(audio), "\"");
  return absl::StrCat(
      R"({"session_id": "825465778199224380", "face_choose": [{"face_id": "-1", )",
      source,
      R"(, "sound_start_time": 0, "sound_end_time": 5000, )"
      R"("sound_insert_time": 1000, "sound_volume": 1.0, )"
      R"("original_audio_volume": 1.0}], "external_task_id": "", )"
      R"("callback_url": ""})");
}

}  // namespace lipsync::bench

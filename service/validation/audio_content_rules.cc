#include "service/validation/audio_content_rules.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/audio/audio_sniffer.h"
#include "service/common/base64.h"
#include "service/validation/audio_source_rules.h"

namespace lipsync::validation {
namespace {

std::string Seconds(int64_t ms) {
  return absl::StrFormat("%.3f s", static_cast<double>(ms) / 1000.0);
}

void CheckFace(const kling::lipsync::v1::FaceChoose& face,
               const absl::Cord& sound_file_bytes, const std::string& prefix,
               FieldViolations* out) {
  const AudioSource source = ClassifyAudioSource(face, sound_file_bytes.size());
  absl::StatusOr<audio::AudioInfo> info;
  std::string field;
  if (source == AudioSource::kBytes) {
    info = audio::SniffAudio(sound_file_bytes);
    field = absl::StrCat(prefix, "sound_file_bytes");
  } else if (source == AudioSource::kBase64) {
    absl::StatusOr<std::string> raw = Base64Decode(face.sound_file());
    if (!raw.ok()) return;  // reported by the audio-source rules
    info = audio::SniffAudio(absl::string_view(*raw));
    field = absl::StrCat(prefix, "sound_file");
  } else {
    return;
  }
  if (!info.ok()) {
    out->push_back({field, std::string(info.status().message())});
    return;
  }
  const std::string what =
      absl::StrCat(audio::AudioFormatName(info->format), " audio of ",
                   Seconds(info->duration_ms));
  if (info->duration_ms < audio::kMinAudioDurationMs ||
      info->duration_ms > audio::kMaxAudioDurationMs) {
    out->push_back(
        {field,
         absl::StrCat("audio must be 2 s to 60 s long; this is ", what)});
    return;
  }
  if (face.has_sound_end_time() && face.sound_end_time() > info->duration_ms) {
    out->push_back(
        {absl::StrCat(prefix, "sound_end_time"),
         absl::StrCat("must not be later than the end of the audio (",
                      info->duration_ms, " ms: ", what, "); got ",
                      face.sound_end_time(), " ms")});
  }
}

}  // namespace

FieldViolations ValidateAudioContent(const CreateRequest& request) {
  FieldViolations violations;
  for (int i = 0; i < request.message().face_choose_size(); ++i) {
    CheckFace(request.message().face_choose(i), request.sound_file_bytes(i),
              absl::StrCat("face_choose[", i, "]."), &violations);
  }
  return violations;
}

}  // namespace lipsync::validation

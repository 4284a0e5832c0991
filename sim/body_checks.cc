#include "sim/body_checks.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kling_sim {
namespace {

using nlohmann::json;

constexpr int64_t kMinTrimmedAudioMs = 2000;
constexpr int64_t kMaxAudioMs = 60000;
constexpr int64_t kMinFaceOverlapMs = 2000;

// Accumulates violations so that one answer names every bad field.
class Violations {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  absl::Status ToStatus() const {
    if (messages_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(messages_, "; "));
  }

 private:
  std::vector<std::string> messages_;
};

// A short rendering of a JSON value for messages ("1.0", "\"1\"", "null").
std::string Show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

const json* Member(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// An optional string field: absent and null read as "". Any other non-string
// type is a violation.
std::string OptionalString(const json& object, const char* key,
                           const std::string& path, Violations& violations) {
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) return "";
  if (!value->is_string()) {
    violations.Add(absl::StrCat(path, " must be a string, got ", Show(*value)));
    return "";
  }
  return value->get<std::string>();
}

std::string RequiredNonEmptyString(const json& object, const char* key,
                                   const std::string& path,
                                   Violations& violations) {
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) {
    violations.Add(absl::StrCat(path, " is required"));
    return "";
  }
  if (!value->is_string()) {
    violations.Add(absl::StrCat(path, " must be a string, got ", Show(*value)));
    return "";
  }
  std::string text = value->get<std::string>();
  if (text.empty()) violations.Add(absl::StrCat(path, " must not be empty"));
  return text;
}

// A required JSON integer. 1.0 and "1" are refused: the seed types these
// fields as integer, and a client that sends a float has a bug worth seeing.
std::optional<int64_t> RequiredInteger(const json& object, const char* key,
                                       const std::string& path,
                                       Violations& violations) {
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) {
    violations.Add(absl::StrCat(path, " is required (integer, ms)"));
    return std::nullopt;
  }
  if (value->is_number_unsigned()) {
    const uint64_t unsigned_value = value->get<uint64_t>();
    if (unsigned_value >
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      violations.Add(absl::StrCat(path, " is out of range"));
      return std::nullopt;
    }
    return static_cast<int64_t>(unsigned_value);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  violations.Add(
      absl::StrCat(path, " must be a JSON integer (ms), got ", Show(*value)));
  return std::nullopt;
}

// A required volume: any JSON number (integer or float) in [0, 2].
std::optional<double> RequiredVolume(const json& object, const char* key,
                                     const std::string& path,
                                     Violations& violations) {
  const json* value = Member(object, key);
  if (value == nullptr || value->is_null()) {
    violations.Add(absl::StrCat(path, " is required (number in [0, 2])"));
    return std::nullopt;
  }
  if (!value->is_number()) {
    violations.Add(
        absl::StrCat(path, " must be a number in [0, 2], got ", Show(*value)));
    return std::nullopt;
  }
  const double volume = value->get<double>();
  if (volume < 0.0 || volume > 2.0) {
    violations.Add(
        absl::StrCat(path, " must be in [0, 2], got ", Show(*value)));
    return std::nullopt;
  }
  return volume;
}

bool IsHttpUrl(absl::string_view text) {
  return absl::StartsWithIgnoreCase(text, "http://") ||
         absl::StartsWithIgnoreCase(text, "https://");
}

void CheckSoundFile(const std::string& sound_file, const std::string& path,
                    FaceChoice& choice,
                    std::optional<Base64Digest>* sound_digest,
                    Violations& violations) {
  if (IsHttpUrl(sound_file)) {
    choice.source = SoundSource::kUrl;
    choice.sound_url = sound_file;
    return;
  }
  choice.source = SoundSource::kBase64;
  if (absl::StartsWithIgnoreCase(sound_file, "data:")) {
    violations.Add(
        absl::StrCat(path, " must be plain base64 without a data: URI prefix"));
    return;
  }
  std::optional<Base64Digest> digest = DigestStandardBase64(sound_file);
  if (!digest.has_value()) {
    violations.Add(absl::StrCat(
        path, " must be an http(s) URL or standard padded base64 (",
        sound_file.size(), " characters given)"));
    return;
  }
  if (sound_digest != nullptr) *sound_digest = digest;
  if (digest->decoded_size > kMaxSoundFileBytes) {
    violations.Add(absl::StrCat(path, " decodes to ", digest->decoded_size,
                                " bytes, more than the 5 MB (",
                                kMaxSoundFileBytes, " bytes) limit"));
  }
}

void CheckFaceChoice(const json& element, FaceChoice& choice,
                     std::optional<Base64Digest>* sound_digest,
                     Violations& violations) {
  const std::string prefix = "face_choose[0].";
  if (!element.is_object()) {
    violations.Add("face_choose[0] must be an object");
    return;
  }
  choice.face_id = RequiredNonEmptyString(element, "face_id",
                                          prefix + "face_id", violations);

  // The seed's own example sends "sound_file": "" beside an audio_id, so an
  // empty string counts as absent.
  choice.audio_id =
      OptionalString(element, "audio_id", prefix + "audio_id", violations);
  const std::string sound_file =
      OptionalString(element, "sound_file", prefix + "sound_file", violations);
  if (choice.audio_id.empty() == sound_file.empty()) {
    violations.Add(absl::StrCat(
        prefix, "audio_id and ", prefix,
        "sound_file are mutually exclusive: give exactly one, non-empty (",
        choice.audio_id.empty() ? "neither" : "both", " given)"));
  } else if (!sound_file.empty()) {
    CheckSoundFile(sound_file, prefix + "sound_file", choice, sound_digest,
                   violations);
  } else {
    choice.source = SoundSource::kAudioId;
  }

  const auto start = RequiredInteger(element, "sound_start_time",
                                     prefix + "sound_start_time", violations);
  const auto end = RequiredInteger(element, "sound_end_time",
                                   prefix + "sound_end_time", violations);
  const auto insert = RequiredInteger(element, "sound_insert_time",
                                      prefix + "sound_insert_time", violations);
  if (start.has_value() && *start < 0) {
    violations.Add(absl::StrCat(prefix, "sound_start_time must be >= 0"));
  }
  if (insert.has_value() && *insert < 0) {
    violations.Add(absl::StrCat(
        prefix, "sound_insert_time must be >= 0 (not before the video start)"));
  }
  if (end.has_value() && *end > kMaxAudioMs) {
    violations.Add(absl::StrCat(prefix,
                                "sound_end_time must not exceed the audio "
                                "duration (at most 60000 ms), got ",
                                *end));
  }
  if (start.has_value() && end.has_value() &&
      *end - *start < kMinTrimmedAudioMs) {
    violations.Add(absl::StrCat(
        prefix, "sound_end_time - ", prefix,
        "sound_start_time must be >= 2000 ms (trimmed audio shorter than 2 s: ",
        *end - *start, " ms)"));
  }
  choice.sound_start_time = start.value_or(0);
  choice.sound_end_time = end.value_or(0);
  choice.sound_insert_time = insert.value_or(0);

  choice.sound_volume = RequiredVolume(element, "sound_volume",
                                       prefix + "sound_volume", violations)
                            .value_or(1.0);
  choice.original_audio_volume =
      RequiredVolume(element, "original_audio_volume",
                     prefix + "original_audio_volume", violations)
          .value_or(1.0);
}

void CheckWatermark(const json& body, CreateRequest& request,
                    Violations& violations) {
  const json* info = Member(body, "watermark_info");
  if (info == nullptr || info->is_null()) return;
  if (!info->is_object()) {
    violations.Add(absl::StrCat(
        "watermark_info must be an object {\"enabled\": bool}, got ",
        Show(*info)));
    return;
  }
  const json* enabled = Member(*info, "enabled");
  if (enabled == nullptr || !enabled->is_boolean()) {
    violations.Add("watermark_info.enabled must be a boolean");
    return;
  }
  request.watermark_enabled = enabled->get<bool>();
}

}  // namespace

absl::StatusOr<IdentifyRequest> CheckIdentifyBody(const json& body) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  Violations violations;
  IdentifyRequest request;
  request.video_id = OptionalString(body, "video_id", "video_id", violations);
  request.video_url =
      OptionalString(body, "video_url", "video_url", violations);
  if (violations.empty() &&
      request.video_id.empty() == request.video_url.empty()) {
    violations.Add(
        absl::StrCat("give exactly one of video_id and video_url, non-empty (",
                     request.video_id.empty() ? "neither" : "both", " given)"));
  }
  if (!violations.empty()) return violations.ToStatus();
  return request;
}

absl::StatusOr<CreateRequest> CheckCreateBody(
    const json& body, std::optional<Base64Digest>* sound_digest) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  Violations violations;
  CreateRequest request;
  request.session_id =
      RequiredNonEmptyString(body, "session_id", "session_id", violations);

  const json* faces = Member(body, "face_choose");
  if (faces == nullptr || faces->is_null()) {
    violations.Add("face_choose is required");
  } else if (!faces->is_array()) {
    violations.Add("face_choose must be an array");
  } else if (faces->size() != 1) {
    violations.Add(absl::StrCat(
        "face_choose must hold exactly one face (only single person lip sync "
        "is supported), got ",
        faces->size()));
  } else {
    CheckFaceChoice((*faces)[0], request.face, sound_digest, violations);
  }

  request.external_task_id =
      OptionalString(body, "external_task_id", "external_task_id", violations);
  request.callback_url =
      OptionalString(body, "callback_url", "callback_url", violations);
  if (!request.callback_url.empty() && !IsHttpUrl(request.callback_url)) {
    violations.Add("callback_url must be an http(s) URL");
  }
  CheckWatermark(body, request, violations);

  if (!violations.empty()) return violations.ToStatus();
  return request;
}

absl::Status CheckAgainstSession(const FaceChoice& choice,
                                 const Session& session, const Face* face) {
  Violations violations;
  const int64_t begin = choice.sound_insert_time;
  const int64_t end = begin + (choice.sound_end_time - choice.sound_start_time);
  if (end > session.duration_ms) {
    violations.Add(absl::StrCat(
        "face_choose[0].sound_insert_time: the inserted audio [", begin, ", ",
        end, "] ms ends after the video end (", session.duration_ms, " ms)"));
  }
  if (face != nullptr) {
    const int64_t overlap =
        std::min(end, face->end_time) - std::max(begin, face->start_time);
    if (overlap < kMinFaceOverlapMs) {
      violations.Add(absl::StrCat(
          "face_choose[0].sound_insert_time: the inserted audio [", begin, ", ",
          end, "] ms must overlap face ", face->face_id, "'s interval [",
          face->start_time, ", ", face->end_time,
          "] ms by at least 2000 ms (overlap: ", std::max<int64_t>(overlap, 0),
          " ms)"));
    }
  }
  return violations.ToStatus();
}

}  // namespace kling_sim

#include "service/validation/audio_source_rules.h"

#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/common/base64.h"
#include "service/common/limits.h"
#include "service/validation/field_path.h"
#include "service/validation/string_rules.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::FaceChoose;

std::string TooBig(std::size_t size) {
  return absl::StrCat("is ", size, " bytes of audio; at most ", kMaxAudioBytes,
                      " bytes (5 MiB) are accepted");
}

// The scheme of a "scheme:..." value (RFC 3986 scheme syntax), or "" when the
// value does not start with one. Base64 never contains ':', so a value with a
// scheme was meant as a URI.
absl::string_view UriScheme(absl::string_view value) {
  const std::size_t colon = value.find(':');
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view scheme = value.substr(0, colon);
  if (!absl::ascii_isalpha(static_cast<unsigned char>(scheme[0]))) return "";
  for (char c : scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' &&
        c != '-' && c != '.') {
      return "";
    }
  }
  return scheme;
}

}  // namespace

AudioSource ClassifyAudioSource(const FaceChoose& face,
                                std::size_t sound_file_bytes_size) {
  const int set = !face.audio_id().empty() + !face.sound_file().empty() +
                  (sound_file_bytes_size > 0);
  if (set == 0) return AudioSource::kNone;
  if (set > 1) return AudioSource::kSeveral;
  if (!face.audio_id().empty()) return AudioSource::kAudioId;
  if (sound_file_bytes_size > 0) return AudioSource::kBytes;
  return HasHttpSchemePrefix(face.sound_file()) ? AudioSource::kUrl
                                                : AudioSource::kBase64;
}

absl::string_view AudioSourceName(AudioSource source) {
  switch (source) {
    case AudioSource::kNone:
      return "none";
    case AudioSource::kAudioId:
      return "audio_id";
    case AudioSource::kUrl:
      return "url";
    case AudioSource::kBase64:
      return "base64";
    case AudioSource::kBytes:
      return "bytes";
    case AudioSource::kSeveral:
      return "several";
  }
  return "unknown";
}

void CheckAudioSourceChoice(const FaceChoose& face,
                            std::size_t sound_file_bytes_size,
                            absl::string_view face_path, FieldViolations& out) {
  absl::InlinedVector<absl::string_view, 3> set;  // no allocation
  if (!face.audio_id().empty()) set.push_back("audio_id");
  if (!face.sound_file().empty()) set.push_back("sound_file");
  if (sound_file_bytes_size > 0) set.push_back("sound_file_bytes");
  if (set.size() == 1) return;
  std::string description =
      "exactly one of audio_id, sound_file, sound_file_bytes must be set";
  if (set.empty()) {
    absl::StrAppend(&description, "; none is");
  } else {
    absl::StrAppend(&description, "; ", absl::StrJoin(set, " and "),
                    set.size() == 2 ? " are both set" : " are all set");
  }
  out.push_back({std::string(face_path), std::move(description)});
}

void CheckAudioId(const FaceChoose& face, absl::string_view face_path,
                  FieldViolations& out) {
  CheckId(FieldPath(face_path, "audio_id"), face.audio_id(),
          Presence::kOptional, out);
}

void CheckSoundFile(const FaceChoose& face, absl::string_view face_path,
                    FieldViolations& out) {
  absl::string_view value = face.sound_file();
  if (value.empty()) return;
  const FieldPath path(face_path, "sound_file");
  const absl::string_view scheme = UriScheme(value);
  if (absl::EqualsIgnoreCase(scheme, "data")) {
    out.push_back({path.str(),
                   "must not be a data: URI: remove the data:...;base64, "
                   "prefix; send only the Base64 text"});
    return;
  }
  if (absl::EqualsIgnoreCase(scheme, "http") ||
      absl::EqualsIgnoreCase(scheme, "https")) {
    CheckHttpUrl(path, value, Presence::kRequired, out);
    return;
  }
  if (!scheme.empty()) {
    out.push_back(
        {path.str(),
         scheme.size() > 16
             ? std::string("must be an http(s) URL or Base64 audio; this URI "
                           "scheme is not supported")
             : absl::StrCat("must be an http(s) URL or Base64 audio; scheme \"",
                            scheme, "\" is not supported")});
    return;
  }
  // Line-wrapped (MIME) Base64 is a common mistake: say so directly rather
  // than let the decoder report a length or an offset.
  const std::size_t space = value.find_first_of(" \t\r\n\v\f");
  if (space != absl::string_view::npos) {
    out.push_back(
        {path.str(),
         absl::StrCat("is not an http(s) URL, so it must be Base64 "
                      "audio, but it contains whitespace (",
                      DescribeByte(value[space]), " at offset ", space,
                      "): send unwrapped Base64 without line breaks")});
    return;
  }
  absl::StatusOr<std::size_t> size = Base64DecodedSize(value);
  if (!size.ok()) {
    out.push_back(
        {path.str(), absl::StrCat("is not an http(s) URL, so it must be "
                                  "Base64 audio, but: ",
                                  size.status().message())});
    // The length alone can still prove the audio too large.
    if (value.size() > kMaxAudioBase64Chars) {
      out.push_back(
          {path.str(),
           absl::StrCat("is ", value.size(), " Base64 characters; at most ",
                        kMaxAudioBase64Chars,
                        " (5 MiB of audio) are accepted")});
    }
    return;
  }
  if (*size > kMaxAudioBytes) {
    out.push_back(
        {path.str(),
         absl::StrCat("decodes to ", *size, " bytes of audio; at most ",
                      kMaxAudioBytes, " bytes (5 MiB) are accepted")});
  }
}

void CheckSoundFileBytes(std::size_t sound_file_bytes_size,
                         absl::string_view face_path, FieldViolations& out) {
  if (sound_file_bytes_size > kMaxAudioBytes) {
    out.push_back({FieldPath(face_path, "sound_file_bytes").str(),
                   TooBig(sound_file_bytes_size)});
  }
}

void CheckAudioSource(const FaceChoose& face, std::size_t sound_file_bytes_size,
                      absl::string_view face_path, FieldViolations& out) {
  CheckAudioSourceChoice(face, sound_file_bytes_size, face_path, out);
  CheckAudioId(face, face_path, out);
  CheckSoundFile(face, face_path, out);
  CheckSoundFileBytes(sound_file_bytes_size, face_path, out);
}

}  // namespace lipsync::validation

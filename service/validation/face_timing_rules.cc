#include "service/validation/face_timing_rules.h"

#include <charconv>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/validation/field_path.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::FaceChoose;

// Why a time has its upper bound, for the violation message.
struct TimeBound {
  int64_t max_ms;
  absl::string_view reason;
};

constexpr TimeBound kStartBound = {
    kMaxSoundStartMs,
    "audio is at most 60 s long and the trimmed audio at least 2 s"};
constexpr TimeBound kEndBound = {kMaxSoundEndMs, "audio is at most 60 s long"};
constexpr TimeBound kInsertBound = {kMaxSoundInsertMs,
                                    "videos are at most 60 s long"};

// Returns whether the time is present and in [0, bound.max_ms].
bool CheckTime(absl::string_view face_path, absl::string_view name,
               bool has_value, int64_t value, const TimeBound& bound,
               FieldViolations& out) {
  const FieldPath field(face_path, name);
  if (!has_value) {
    out.push_back({field.str(), "is required (milliseconds; 0 is a value)"});
    return false;
  }
  if (value < 0) {
    out.push_back({field.str(),
                   absl::StrCat("must not be negative (got ", value, " ms)")});
    return false;
  }
  if (value > bound.max_ms) {
    out.push_back({field.str(), absl::StrCat("must be at most ", bound.max_ms,
                                             " ms: ", bound.reason, " (got ",
                                             value, " ms)")});
    return false;
  }
  return true;
}

// Shortest text that reads back as `value` ("2.0000001", "-0.0001").
std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Plain decimals where they stay short, exponents elsewhere (1e+308).
  const double magnitude = std::fabs(value);
  const bool fixed = magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char buf[64];
  const auto result = fixed ? std::to_chars(buf, buf + sizeof(buf), value,
                                            std::chars_format::fixed)
                            : std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

void CheckVolume(absl::string_view face_path, absl::string_view name,
                 bool has_value, double value, FieldViolations& out) {
  const FieldPath field(face_path, name);
  if (!has_value) {
    out.push_back({field.str(),
                   "is required: a volume in [0, 2] (1 keeps the loudness "
                   "unchanged)"});
    return;
  }
  if (std::isnan(value)) {
    out.push_back({field.str(), "must be a number in [0, 2] (got NaN)"});
    return;
  }
  if (std::isinf(value)) {
    out.push_back({field.str(), absl::StrCat("must be finite, in [0, 2] (got ",
                                             FormatDouble(value), ")")});
    return;
  }
  // -0.0 compares equal to 0.0, so it is accepted as 0.
  if (value < kMinVolume || value > kMaxVolume) {
    out.push_back({field.str(), absl::StrCat("must be in [0, 2] (got ",
                                             FormatDouble(value), ")")});
  }
}

}  // namespace

void CheckFaceTimes(const FaceChoose& face, absl::string_view face_path,
                    FieldViolations& out) {
  const bool start_ok =
      CheckTime(face_path, "sound_start_time", face.has_sound_start_time(),
                face.sound_start_time(), kStartBound, out);
  const bool end_ok =
      CheckTime(face_path, "sound_end_time", face.has_sound_end_time(),
                face.sound_end_time(), kEndBound, out);
  // Both are in [0, 60000] here, so the difference cannot overflow.
  if (start_ok && end_ok) {
    const int64_t trimmed = face.sound_end_time() - face.sound_start_time();
    if (trimmed < kMinTrimmedAudioMs) {
      out.push_back(
          {FieldPath(face_path, "sound_end_time").str(),
           absl::StrCat("must be at least ", kMinTrimmedAudioMs,
                        " ms after sound_start_time: the trimmed audio would "
                        "be ",
                        trimmed, " ms long (", face.sound_end_time(), " - ",
                        face.sound_start_time(), ")")});
    }
  }
  CheckTime(face_path, "sound_insert_time", face.has_sound_insert_time(),
            face.sound_insert_time(), kInsertBound, out);
}

bool FaceTimesAreValid(const FaceChoose& face) {
  FieldViolations ignored;
  CheckFaceTimes(face, "", ignored);
  return ignored.empty();
}

void CheckFaceVolumes(const FaceChoose& face, absl::string_view face_path,
                      FieldViolations& out) {
  CheckVolume(face_path, "sound_volume", face.has_sound_volume(),
              face.sound_volume(), out);
  CheckVolume(face_path, "original_audio_volume",
              face.has_original_audio_volume(), face.original_audio_volume(),
              out);
}

}  // namespace lipsync::validation

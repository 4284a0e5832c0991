// The timing and volume rules of one `face_choose[]` entry (CONTRACT §2).
//
// Times are milliseconds. Besides the contract's rules, each time has an upper
// bound derived from the contract's durations, which both catches absurd input
// early with a clear message and keeps every later sum of these times far from
// int64 overflow:
//   - audio is 2 s to 60 s long (CONTRACT §2 `sound_file`, seed `audio_id`),
//     and `sound_end_time` is not later than the audio's duration, so
//     `sound_end_time` <= 60,000; the trimmed audio is at least 2 s, so
//     `sound_start_time` <= 58,000;
//   - videos are 2 s to 60 s long (CONTRACT §1), and the inserted audio must
//     not start after the video's end, so `sound_insert_time` <= 60,000.
//     (58,000 would also follow from the 2 s face overlap, but the face
//     interval's end "may run a few ms past the real end", so the looser
//     bound avoids rejecting a request the upstream accepts.)
//
// All functions are pure and thread-safe; Check* append to `out`, and
// `face_path` is the path of the entry, e.g. "face_choose[0]".
#ifndef LIPSYNC_SERVICE_VALIDATION_FACE_TIMING_RULES_H_
#define LIPSYNC_SERVICE_VALIDATION_FACE_TIMING_RULES_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/field_violation.h"
#include "service/common/limits.h"

namespace lipsync::validation {

// Longest audio and video the upstream accepts (CONTRACT §1, §2).
inline constexpr int64_t kMaxAudioMs = 60'000;
inline constexpr int64_t kMaxVideoMs = 60'000;
// Derived upper bounds of the three times (see the file comment).
inline constexpr int64_t kMaxSoundStartMs = kMaxAudioMs - kMinTrimmedAudioMs;
inline constexpr int64_t kMaxSoundEndMs = kMaxAudioMs;
inline constexpr int64_t kMaxSoundInsertMs = kMaxVideoMs;

// `sound_start_time`, `sound_end_time`, `sound_insert_time`: each required
// (proto3 `optional`: 0 is a value, absence is not), >= 0 and <= its derived
// bound; and `sound_end_time - sound_start_time` >= kMinTrimmedAudioMs,
// reported on `sound_end_time` with the computed length. The trim rule is
// checked only when both times passed their own rules (then the difference
// cannot overflow, and a bad time is not reported twice).
void CheckFaceTimes(const kling::lipsync::v1::FaceChoose& face,
                    absl::string_view face_path, FieldViolations& out);

// True when CheckFaceTimes reports nothing: the three times are present, in
// their bounds, and the trimmed audio is long enough. Sums of them are then
// safe in int64.
bool FaceTimesAreValid(const kling::lipsync::v1::FaceChoose& face);

// `sound_volume` and `original_audio_volume`: each required, finite, and in
// [kMinVolume, kMaxVolume] (-0.0 counts as 0).
void CheckFaceVolumes(const kling::lipsync::v1::FaceChoose& face,
                      absl::string_view face_path, FieldViolations& out);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_FACE_TIMING_RULES_H_

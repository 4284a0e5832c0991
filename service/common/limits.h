// Limits of the upstream contract and of the gateway, in one place.
#ifndef LIPSYNC_SERVICE_COMMON_LIMITS_H_
#define LIPSYNC_SERVICE_COMMON_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace lipsync {

// Largest audio the upstream accepts ("file size not exceeding 5MB"), read as
// 5 MiB: the usual reading of "MB" in upload limits.
inline constexpr std::size_t kMaxAudioBytes = 5 * 1024 * 1024;
// Base64 length of kMaxAudioBytes (padded).
inline constexpr std::size_t kMaxAudioBase64Chars =
    (kMaxAudioBytes + 2) / 3 * 4;

// Largest gRPC message the server accepts: a maximal Base64 `sound_file`
// (6,990,508 chars) plus the other fields, and no more. Larger messages are
// refused by gRPC with RESOURCE_EXHAUSTED before any handler runs.
inline constexpr int kMaxGrpcReceiveBytes = 7 * 1024 * 1024;

// Longest id (session, face, audio, external task, task, video) accepted.
inline constexpr std::size_t kMaxIdChars = 256;
// Longest URL (callback, audio, video) accepted.
inline constexpr std::size_t kMaxUrlChars = 2048;
// Longest idempotency key (`request_id`) accepted.
inline constexpr std::size_t kMaxRequestIdChars = 128;

// Audio trim: `sound_end_time - sound_start_time` must be at least this.
inline constexpr int64_t kMinTrimmedAudioMs = 2000;
// Inserted audio must overlap the face interval by at least this.
inline constexpr int64_t kMinFaceOverlapMs = 2000;
// Volumes are in [kMinVolume, kMaxVolume].
inline constexpr double kMinVolume = 0.0;
inline constexpr double kMaxVolume = 2.0;

// ListLipSyncTasks paging bounds and defaults (upstream's).
inline constexpr int kMinPageNum = 1;
inline constexpr int kMaxPageNum = 1000;
inline constexpr int kDefaultPageNum = 1;
inline constexpr int kMinPageSize = 1;
inline constexpr int kMaxPageSize = 500;
inline constexpr int kDefaultPageSize = 30;

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_LIMITS_H_

#ifndef LIPSYNC_SIM_FACE_IDENTIFIER_H_
#define LIPSYNC_SIM_FACE_IDENTIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace kling_sim {

// One face of identify-face's `face_data`: the interval (ms from the video
// start) in which it can be lip-synced.
struct Face {
  std::string face_id;
  std::string face_image;
  int64_t start_time = 0;
  int64_t end_time = 0;
};

// What the sim "sees" in a video.
struct IdentifiedVideo {
  int64_t duration_ms = 0;  // 5,000 to 60,000
  std::vector<Face> faces;  // 1 to 3, each interval >= 3,000 ms and inside
                            // [0, duration_ms]
};

// Deterministic stand-in for Kling's face detection: the same `video_key`
// (a video_id or a video_url) always yields the same video, so tests can
// compute expectations by calling this too.
IdentifiedVideo IdentifyFaces(absl::string_view video_key);

// An 18-digit decimal id derived from `key` (used as the parent video id when
// the caller only gave a URL). Deterministic.
std::string DeterministicDecimalId(absl::string_view key);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_FACE_IDENTIFIER_H_

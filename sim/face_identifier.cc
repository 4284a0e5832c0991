#include "sim/face_identifier.h"

#include "absl/strings/str_cat.h"
#include "sim/base64.h"

namespace kling_sim {
namespace {

constexpr int64_t kMinDurationMs = 5000;
constexpr int64_t kMaxDurationMs = 60000;
constexpr int64_t kMinFaceIntervalMs = 3000;

// SplitMix64: a tiny, well-mixed generator, so that the faces depend on every
// byte of the key without pulling in a seeded engine whose output could change
// between library versions.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform-enough integer in [low, high].
  int64_t Between(int64_t low, int64_t high) {
    return low +
           static_cast<int64_t>(Next() % static_cast<uint64_t>(high - low + 1));
  }

 private:
  uint64_t state_;
};

}  // namespace

IdentifiedVideo IdentifyFaces(absl::string_view video_key) {
  SplitMix64 rng(Fnv1a64(video_key));
  IdentifiedVideo video;
  video.duration_ms = rng.Between(kMinDurationMs, kMaxDurationMs);
  const int face_count = static_cast<int>(rng.Between(1, 3));
  const int64_t first_id = rng.Between(100000000, 899999999);
  for (int i = 0; i < face_count; ++i) {
    Face face;
    face.face_id = absl::StrCat(first_id + i);
    face.face_image =
        absl::StrCat("https://sim.invalid/faces/", face.face_id, ".png");
    const int64_t length = rng.Between(kMinFaceIntervalMs, video.duration_ms);
    face.start_time = rng.Between(0, video.duration_ms - length);
    face.end_time = face.start_time + length;
    video.faces.push_back(std::move(face));
  }
  return video;
}

std::string DeterministicDecimalId(absl::string_view key) {
  return absl::StrCat(100000000000000000ULL +
                      Fnv1a64(key) % 800000000000000000ULL);
}

}  // namespace kling_sim

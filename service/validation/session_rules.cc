#include "service/validation/session_rules.h"

#include <algorithm>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "service/common/limits.h"
#include "service/validation/face_timing_rules.h"
#include "service/validation/string_rules.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::FaceChoose;

// Known ids come from the upstream: quote them escaped and cut long ones, so
// the description stays short and printable whatever the upstream sent.
std::string QuoteKnownId(const std::string& id) {
  constexpr std::size_t kMaxShown = 64;
  std::string quoted = absl::StrCat(
      "\"", absl::CHexEscape(absl::string_view(id).substr(0, kMaxShown)));
  if (id.size() > kMaxShown) absl::StrAppend(&quoted, "...");
  absl::StrAppend(&quoted, "\"");
  return quoted;
}

std::string UnknownFaceDescription(const std::vector<KnownFace>& faces) {
  if (faces.empty()) {
    return "is not a face of this session: IdentifyFace found no face in "
           "this session's video";
  }
  std::string description = "is not a face of this session; its face ids are: ";
  const std::size_t shown = std::min(faces.size(), kMaxKnownFacesListed);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) absl::StrAppend(&description, ", ");
    absl::StrAppend(&description, QuoteKnownId(faces[i].face_id));
  }
  if (faces.size() > shown) {
    absl::StrAppend(&description, " (and ", faces.size() - shown, " more)");
  }
  return description;
}

// Overlap in ms of [a_start, a_end] and [b_start, b_end]; 0 when they are
// disjoint or an interval is empty. The a bounds are validated request times
// (<= 120,000); the b bounds are any int64 from the upstream. hi - lo is only
// computed when hi > lo, where hi <= a_end and lo >= a_start >= 0: no
// overflow.
int64_t OverlapMs(int64_t a_start, int64_t a_end, int64_t b_start,
                  int64_t b_end) {
  const int64_t lo = std::max(a_start, b_start);
  const int64_t hi = std::min(a_end, b_end);
  return hi > lo ? hi - lo : 0;
}

}  // namespace

FieldViolations ValidateAgainstSession(
    const kling::lipsync::v1::CreateLipSyncTaskRequest& request,
    const std::vector<KnownFace>& faces_of_session) {
  FieldViolations out;
  if (request.face_choose_size() != 1) return out;
  const FaceChoose& face = request.face_choose(0);
  FieldViolations id_problems;
  CheckId("face_id", face.face_id(), Presence::kRequired, id_problems);
  if (!id_problems.empty()) return out;

  const KnownFace* best = nullptr;
  int64_t best_overlap = -1;
  const bool times_valid = FaceTimesAreValid(face);
  // FaceTimesAreValid bounds every time by 60,000 ms: the sum cannot overflow.
  const int64_t insert_start = times_valid ? face.sound_insert_time() : 0;
  const int64_t insert_end =
      times_valid
          ? insert_start + (face.sound_end_time() - face.sound_start_time())
          : 0;
  // One face id normally appears once; if the upstream repeated it, the
  // request is judged against its most favourable interval.
  for (const KnownFace& known : faces_of_session) {
    if (known.face_id != face.face_id()) continue;
    const int64_t overlap = OverlapMs(insert_start, insert_end,
                                      known.start_time_ms, known.end_time_ms);
    if (overlap > best_overlap) {
      best = &known;
      best_overlap = overlap;
    }
  }
  if (best == nullptr) {
    out.push_back(
        {"face_choose[0].face_id", UnknownFaceDescription(faces_of_session)});
    return out;
  }
  if (times_valid && best_overlap < kMinFaceOverlapMs) {
    out.push_back(
        {"face_choose[0].sound_insert_time",
         absl::StrCat("the inserted audio [", insert_start, ", ", insert_end,
                      "] ms overlaps the face's interval [",
                      best->start_time_ms, ", ", best->end_time_ms, "] ms by ",
                      best_overlap, " ms; at least ", kMinFaceOverlapMs,
                      " ms are required")});
  }
  return out;
}

}  // namespace lipsync::validation

#ifndef LIPSYNC_SERVICE_AUDIO_ISO_BMFF_BOX_H_
#define LIPSYNC_SERVICE_AUDIO_ISO_BMFF_BOX_H_

#include <cstddef>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::audio {

// One ISO-BMFF (MP4) box located inside a buffer. Offsets are absolute and
// satisfy offset < body <= end <= buffer size.
struct IsoBox {
  absl::string_view type;  // The 4-byte box type, e.g. "moov".
  size_t offset = 0;       // First byte of the header.
  size_t body = 0;         // First byte after the header.
  size_t end = 0;          // One past the last byte of the box.
};

// Iterates the boxes laid end to end in bytes[begin, end), handling 32-bit
// sizes, 64-bit sizes (size == 1) and size 0 ("to the end of the parent").
// Fewer than 8 bytes left over at the end (QuickTime's zero terminator) end
// the iteration quietly. Does not descend into children: callers open the
// boxes they know, so nesting depth is fixed by the caller, never by input.
class IsoBoxCursor {
 public:
  // `parent` names the enclosing box in messages ("" for the top level).
  IsoBoxCursor(absl::string_view bytes, size_t begin, size_t end,
               absl::string_view parent);
  // Children of `box`.
  IsoBoxCursor(absl::string_view bytes, const IsoBox& box);

  // The next box, or std::nullopt after the last one. INVALID_ARGUMENT
  // "truncated M4A: ..." for a top-level box that runs past the end of the
  // bytes, "corrupt M4A: ..." for a size smaller than its header or a child
  // that overruns its parent.
  absl::StatusOr<std::optional<IsoBox>> Next();

 private:
  absl::string_view bytes_;
  size_t position_;
  size_t end_;
  absl::string_view parent_;
};

// Calls `visit` on each box `cursor` yields, in order. The first error, of
// the cursor or of `visit`, ends the walk and is returned.
absl::Status ForEachBox(IsoBoxCursor cursor,
                        absl::FunctionRef<absl::Status(const IsoBox&)> visit);

// The payload of `box` (after its header).
absl::string_view BoxBody(absl::string_view bytes, const IsoBox& box);

// The first child of `parent` of type `type`, std::nullopt when there is
// none; errors as IsoBoxCursor::Next.
absl::StatusOr<std::optional<IsoBox>> FindChildBox(absl::string_view bytes,
                                                   const IsoBox& parent,
                                                   absl::string_view type);

// INVALID_ARGUMENT "corrupt M4A: box '<type>' is too short for its fields".
absl::Status BoxTooShortError(const IsoBox& box);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_ISO_BMFF_BOX_H_

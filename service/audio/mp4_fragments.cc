#include "service/audio/mp4_fragments.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/iso_bmff_box.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kM4a = "M4A";
// tfhd flags.
constexpr uint32_t kBaseDataOffsetPresent = 0x000001;
constexpr uint32_t kSampleDescriptionIndexPresent = 0x000002;
constexpr uint32_t kDefaultSampleDurationPresent = 0x000008;
// trun flags.
constexpr uint32_t kDataOffsetPresent = 0x000001;
constexpr uint32_t kFirstSampleFlagsPresent = 0x000004;
constexpr uint32_t kSampleDurationPresent = 0x000100;
constexpr uint32_t kSampleSizePresent = 0x000200;
constexpr uint32_t kSampleFlagsPresent = 0x000400;
constexpr uint32_t kCompositionOffsetPresent = 0x000800;

// Hostile sample counts and durations must not wrap around to a small total.
uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > ~uint64_t{0} - b ? ~uint64_t{0} : a + b;
}

struct TrackFragmentHeader {
  uint32_t track_id = 0;
  std::optional<uint32_t> default_duration;
};

absl::StatusOr<TrackFragmentHeader> ReadTfhd(absl::string_view bytes,
                                             const IsoBox& tfhd) {
  ByteReader r(BoxBody(bytes, tfhd));
  const std::optional<uint32_t> version_flags = r.ReadU32Be();
  const std::optional<uint32_t> track_id = r.ReadU32Be();
  if (!version_flags.has_value() || !track_id.has_value()) {
    return BoxTooShortError(tfhd);
  }
  TrackFragmentHeader header;
  header.track_id = *track_id;
  const uint32_t flags = *version_flags & 0xFFFFFF;
  if ((flags & kBaseDataOffsetPresent) && !r.Skip(8)) {
    return BoxTooShortError(tfhd);
  }
  if ((flags & kSampleDescriptionIndexPresent) && !r.Skip(4)) {
    return BoxTooShortError(tfhd);
  }
  if (flags & kDefaultSampleDurationPresent) {
    header.default_duration = r.ReadU32Be();
    if (!header.default_duration.has_value()) return BoxTooShortError(tfhd);
  }
  return header;
}

absl::StatusOr<uint64_t> SumTrun(absl::string_view bytes, const IsoBox& trun,
                                 uint32_t default_duration) {
  ByteReader r(BoxBody(bytes, trun));
  const std::optional<uint32_t> version_flags = r.ReadU32Be();
  const std::optional<uint32_t> count = r.ReadU32Be();
  if (!version_flags.has_value() || !count.has_value()) {
    return BoxTooShortError(trun);
  }
  const uint32_t flags = *version_flags & 0xFFFFFF;
  if ((flags & kDataOffsetPresent) && !r.Skip(4)) return BoxTooShortError(trun);
  if ((flags & kFirstSampleFlagsPresent) && !r.Skip(4)) {
    return BoxTooShortError(trun);
  }
  if (!(flags & kSampleDurationPresent)) {
    return uint64_t{*count} * default_duration;
  }
  uint64_t record = 0;
  for (uint32_t bit : {kSampleDurationPresent, kSampleSizePresent,
                       kSampleFlagsPresent, kCompositionOffsetPresent}) {
    if (flags & bit) record += 4;
  }
  // Checked up front so that a huge sample_count costs nothing.
  if (uint64_t{*count} * record > r.remaining()) {
    return CorruptError(kM4a, absl::StrCat("trun declares ", *count,
                                           " samples, more than it holds"));
  }
  uint64_t total = 0;
  for (uint32_t i = 0; i < *count; ++i) {
    total = SaturatingAdd(total, *LoadU32Be(r.bytes(), r.position()));
    r.Skip(record);
  }
  return total;
}

absl::StatusOr<uint64_t> SumTraf(absl::string_view bytes, const IsoBox& traf,
                                 uint32_t track_id,
                                 uint32_t trex_default_duration) {
  std::optional<TrackFragmentHeader> header;
  uint64_t total = 0;
  // Not ForEachBox: a tfhd of another track ends the walk, the boxes after
  // it unread.
  IsoBoxCursor children(bytes, traf);
  while (true) {
    absl::StatusOr<std::optional<IsoBox>> child = children.Next();
    if (!child.ok()) return child.status();
    if (!child->has_value()) return total;
    const IsoBox& box = **child;
    if (box.type == "tfhd") {
      absl::StatusOr<TrackFragmentHeader> tfhd = ReadTfhd(bytes, box);
      if (!tfhd.ok()) return tfhd.status();
      if (tfhd->track_id != track_id) return 0;
      header = *tfhd;
    } else if (box.type == "trun" && header.has_value()) {
      absl::StatusOr<uint64_t> sum = SumTrun(
          bytes, box, header->default_duration.value_or(trex_default_duration));
      if (!sum.ok()) return sum.status();
      total = SaturatingAdd(total, *sum);
    }
  }
}

}  // namespace

absl::StatusOr<uint64_t> SumFragmentDurations(absl::string_view bytes,
                                              size_t begin, uint32_t track_id,
                                              uint32_t trex_default_duration) {
  uint64_t total = 0;
  const auto add_traf = [&](const IsoBox& traf) -> absl::Status {
    if (traf.type != "traf") return absl::OkStatus();
    absl::StatusOr<uint64_t> sum =
        SumTraf(bytes, traf, track_id, trex_default_duration);
    if (!sum.ok()) return sum.status();
    total = SaturatingAdd(total, *sum);
    return absl::OkStatus();
  };
  absl::Status status =
      ForEachBox(IsoBoxCursor(bytes, begin, bytes.size(), ""),
                 [&](const IsoBox& moof) -> absl::Status {
                   if (moof.type != "moof") return absl::OkStatus();
                   return ForEachBox(IsoBoxCursor(bytes, moof), add_traf);
                 });
  if (!status.ok()) return status;
  return total;
}

}  // namespace lipsync::audio

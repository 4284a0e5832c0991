#include "service/audio/mp3_parser.h"

#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/frame_walker.h"
#include "service/audio/id3_tag.h"
#include "service/audio/mpeg_audio_header.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kMp3 = "MP3";
constexpr int kFramesToRecognise = 3;
constexpr size_t kMaxPaddingAfterId3 = 64 * 1024;
constexpr uint32_t kXingFramesFlag = 0x1;
constexpr uint32_t kXingBytesFlag = 0x2;
// Fixed position of a VBRI tag: header + 32 bytes, whatever the mode.
constexpr size_t kVbriOffset = 36;
constexpr uint32_t kStreamMask = 0xFFFE0C00;

std::optional<FrameSummary> DecodeMp3Frame(absl::string_view audio,
                                           size_t pos) {
  const std::optional<uint32_t> word = LoadU32Be(audio, pos);
  if (!word.has_value()) return std::nullopt;
  const std::optional<MpegAudioHeader> h = DecodeMpegAudioHeader(*word);
  if (!h.has_value()) return std::nullopt;
  return FrameSummary{h->frame_size,
                      static_cast<uint32_t>(h->samples_per_frame),
                      *word & kStreamMask};
}

// A frame-count tag (Xing/Info or VBRI) found in the first frame.
struct VbrTag {
  std::optional<uint32_t> frames;
  std::optional<uint32_t> bytes;  // Stream bytes, counted from the tag frame.
};

std::optional<VbrTag> ReadVbrTag(absl::string_view frame,
                                 const MpegAudioHeader& h) {
  VbrTag tag;
  if (h.xing_offset != 0 && (HasTagAt(frame, h.xing_offset, "Xing") ||
                             HasTagAt(frame, h.xing_offset, "Info"))) {
    ByteReader r(frame);
    r.Seek(h.xing_offset + 4);
    const std::optional<uint32_t> flags = r.ReadU32Be();
    if (!flags.has_value()) return std::nullopt;
    if (*flags & kXingFramesFlag) {
      tag.frames = r.ReadU32Be();
      if (!tag.frames.has_value()) return std::nullopt;
    }
    if (*flags & kXingBytesFlag) {
      tag.bytes = r.ReadU32Be();
      if (!tag.bytes.has_value()) return std::nullopt;
    }
    return tag;
  }
  if (h.layer == 3 && HasTagAt(frame, kVbriOffset, "VBRI")) {
    // id (4), version (2), delay (2), quality (2), bytes (4), frames (4).
    tag.bytes = LoadU32Be(frame, kVbriOffset + 10);
    tag.frames = LoadU32Be(frame, kVbriOffset + 14);
    if (!tag.bytes.has_value() || !tag.frames.has_value()) return std::nullopt;
    return tag;
  }
  return std::nullopt;
}

// A corrupted frame count would silently make a 10 s file look like an hour
// (or a second): believe it only when the implied average frame size is one
// the stream's bitrate table allows. Otherwise the frames get walked.
bool FrameCountIsPlausible(uint64_t frames, uint64_t stream_bytes,
                           uint32_t first_word) {
  if (frames == 0) return false;
  // Same header with the lowest and the highest bitrate index, no padding.
  const uint32_t base = first_word & ~0x0000F200u;
  const std::optional<MpegAudioHeader> lowest =
      DecodeMpegAudioHeader(base | (1u << 12));
  const std::optional<MpegAudioHeader> highest =
      DecodeMpegAudioHeader(base | (14u << 12));
  if (!lowest.has_value() || !highest.has_value()) return false;
  // +1 byte per frame for padding; the tag frame itself is not in `frames`.
  return stream_bytes >= frames * lowest->frame_size &&
         stream_bytes <= (frames + 1) * (highest->frame_size + 1);
}

}  // namespace

bool HasMpegAudioHeaderAt(absl::string_view bytes, size_t offset) {
  return DecodeMp3Frame(bytes, offset).has_value();
}

absl::StatusOr<AudioInfo> ParseMp3(absl::string_view bytes) {
  const absl::StatusOr<TaggedStream> stream = FindTaggedStream(bytes, kMp3);
  if (!stream.ok()) return stream.status();
  const size_t start = stream->start;
  const absl::string_view audio = stream->audio;

  const size_t search_end = start == 0 ? 1 : start + kMaxPaddingAfterId3;
  const std::optional<size_t> first =
      FindFrames(audio, start, search_end, &DecodeMp3Frame, kFramesToRecognise,
                 std::nullopt);
  if (!first.has_value()) return NoFramesError(*stream, kMp3, "MPEG audio");
  const uint32_t first_word = *LoadU32Be(audio, *first);
  const MpegAudioHeader head = *DecodeMpegAudioHeader(first_word);

  AudioInfo info;
  info.format = AudioFormat::kMp3;
  info.sample_rate_hz = head.sample_rate_hz;
  info.channels = head.channels;

  const absl::string_view first_frame = audio.substr(*first, head.frame_size);
  const std::optional<VbrTag> tag = ReadVbrTag(first_frame, head);
  const uint64_t stream_bytes = audio.size() - *first;
  if (tag.has_value() && tag->bytes.has_value() && *tag->bytes > stream_bytes &&
      // Some writers count the ID3v2 tag too; such a file is whole.
      *tag->bytes > stream_bytes + start) {
    return TruncatedError(
        kMp3, absl::StrCat("Xing/VBRI tag declares ", *tag->bytes,
                           " bytes of audio, ", stream_bytes, " present"));
  }
  if (tag.has_value() && tag->frames.has_value() &&
      FrameCountIsPlausible(*tag->frames, stream_bytes, first_word)) {
    info.duration_ms = UnitsToMillis(
        uint64_t{*tag->frames} * static_cast<uint64_t>(head.samples_per_frame),
        static_cast<uint64_t>(head.sample_rate_hz));
    return info;
  }

  // The tag frame, when there is one, carries no audio.
  const size_t walk_from = tag.has_value() ? *first + head.frame_size : *first;
  const WalkTotals totals = WalkFrames(audio, walk_from, &DecodeMp3Frame);
  info.duration_ms =
      UnitsToMillis(totals.samples, static_cast<uint64_t>(head.sample_rate_hz));
  return info;
}

}  // namespace lipsync::audio

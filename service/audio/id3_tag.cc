#include "service/audio/id3_tag.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr size_t kId3v2HeaderSize = 10;
constexpr uint8_t kId3v2FooterFlag = 0x10;
constexpr size_t kId3v1Size = 128;
constexpr size_t kApeFooterSize = 32;
constexpr uint32_t kApeHasHeaderFlag = 0x80000000u;

}  // namespace

absl::StatusOr<size_t> LeadingId3v2Size(absl::string_view bytes,
                                        absl::string_view container) {
  size_t pos = 0;
  // Each tag advances at least 10 bytes, so this loop is bounded.
  while (HasTagAt(bytes, pos, "ID3")) {
    if (bytes.size() - pos < kId3v2HeaderSize) {
      return TruncatedError(container, "ID3v2 header needs 10 bytes");
    }
    const uint8_t flags = *LoadU8(bytes, pos + 5);
    uint32_t size = 0;
    for (size_t i = 0; i < 4; ++i) {
      const uint8_t b = *LoadU8(bytes, pos + 6 + i);
      if (b & 0x80) {
        return CorruptError(container, "ID3v2 tag size is not syncsafe");
      }
      size = (size << 7) | b;
    }
    const size_t total = kId3v2HeaderSize + size +
                         ((flags & kId3v2FooterFlag) ? kId3v2HeaderSize : 0);
    if (total > bytes.size() - pos) {
      return TruncatedError(
          container, absl::StrCat("ID3v2 tag declares ", total, " bytes, ",
                                  bytes.size() - pos, " present"));
    }
    pos += total;
  }
  return pos;
}

size_t TrailingTagsSize(absl::string_view bytes, size_t audio_start) {
  if (audio_start > bytes.size()) return 0;
  size_t end = bytes.size();
  if (end - audio_start >= kId3v1Size &&
      HasTagAt(bytes, end - kId3v1Size, "TAG")) {
    end -= kId3v1Size;
  }
  if (end - audio_start >= kApeFooterSize &&
      HasTagAt(bytes, end - kApeFooterSize, "APETAGEX")) {
    const size_t footer = end - kApeFooterSize;
    // The size counts the items and the footer, not the optional header.
    uint64_t size = *LoadU32Le(bytes, footer + 12);
    if (*LoadU32Le(bytes, footer + 20) & kApeHasHeaderFlag) {
      size += kApeFooterSize;
    }
    if (size >= kApeFooterSize && size <= end - audio_start) end -= size;
  }
  return bytes.size() - end;
}

absl::StatusOr<TaggedStream> FindTaggedStream(absl::string_view bytes,
                                              absl::string_view container) {
  const absl::StatusOr<size_t> id3_size = LeadingId3v2Size(bytes, container);
  if (!id3_size.ok()) return id3_size.status();
  TaggedStream stream;
  stream.start = *id3_size;
  stream.audio =
      bytes.substr(0, bytes.size() - TrailingTagsSize(bytes, stream.start));
  return stream;
}

absl::Status NoFramesError(const TaggedStream& stream,
                           absl::string_view container,
                           absl::string_view frames) {
  const std::string detail =
      absl::StrCat("no run of valid ", frames, " frames");
  if (stream.start == 0) return NotRecognisedError(detail);
  return CorruptError(container, absl::StrCat(detail, " after the ID3v2 tag"));
}

}  // namespace lipsync::audio

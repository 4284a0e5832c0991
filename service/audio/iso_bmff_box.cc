#include "service/audio/iso_bmff_box.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kM4a = "M4A";
constexpr size_t kCompactHeaderSize = 8;
constexpr size_t kLargeHeaderSize = 16;

}  // namespace

IsoBoxCursor::IsoBoxCursor(absl::string_view bytes, size_t begin, size_t end,
                           absl::string_view parent)
    : bytes_(bytes),
      position_(begin),
      end_(end < bytes.size() ? end : bytes.size()),
      parent_(parent) {}

IsoBoxCursor::IsoBoxCursor(absl::string_view bytes, const IsoBox& box)
    : IsoBoxCursor(bytes, box.body, box.end, box.type) {}

absl::StatusOr<std::optional<IsoBox>> IsoBoxCursor::Next() {
  if (position_ >= end_ || end_ - position_ < kCompactHeaderSize) {
    return std::nullopt;
  }
  const size_t available = end_ - position_;
  IsoBox box;
  box.offset = position_;
  box.type = bytes_.substr(position_ + 4, 4);
  uint64_t size = *LoadU32Be(bytes_, position_);
  size_t header_size = kCompactHeaderSize;
  if (size == 1) {
    if (available < kLargeHeaderSize) {
      return parent_.empty()
                 ? TruncatedError(kM4a, absl::StrCat("box ", QuoteTag(box.type),
                                                     " 64-bit size cut off"))
                 : CorruptError(kM4a, absl::StrCat("box ", QuoteTag(box.type),
                                                   " 64-bit size overruns ",
                                                   QuoteTag(parent_)));
    }
    size = *LoadU64Be(bytes_, position_ + 8);
    header_size = kLargeHeaderSize;
  } else if (size == 0) {
    size = available;
  }
  if (size < header_size) {
    return CorruptError(
        kM4a, absl::StrCat("box ", QuoteTag(box.type), " declares ", size,
                           " bytes, less than its header"));
  }
  if (size > available) {
    if (parent_.empty()) {
      return TruncatedError(
          kM4a, absl::StrCat("box ", QuoteTag(box.type), " declares ", size,
                             " bytes, ", available, " present"));
    }
    return CorruptError(
        kM4a, absl::StrCat("box ", QuoteTag(box.type), " overruns its parent ",
                           QuoteTag(parent_)));
  }
  box.body = position_ + header_size;
  box.end = position_ + static_cast<size_t>(size);
  position_ = box.end;
  return box;
}

absl::Status ForEachBox(IsoBoxCursor cursor,
                        absl::FunctionRef<absl::Status(const IsoBox&)> visit) {
  while (true) {
    absl::StatusOr<std::optional<IsoBox>> box = cursor.Next();
    if (!box.ok()) return box.status();
    if (!box->has_value()) return absl::OkStatus();
    absl::Status status = visit(**box);
    if (!status.ok()) return status;
  }
}

absl::string_view BoxBody(absl::string_view bytes, const IsoBox& box) {
  return bytes.substr(box.body, box.end - box.body);
}

absl::StatusOr<std::optional<IsoBox>> FindChildBox(absl::string_view bytes,
                                                   const IsoBox& parent,
                                                   absl::string_view type) {
  IsoBoxCursor children(bytes, parent);
  while (true) {
    absl::StatusOr<std::optional<IsoBox>> child = children.Next();
    if (!child.ok() || !child->has_value() || (*child)->type == type) {
      return child;
    }
  }
}

absl::Status BoxTooShortError(const IsoBox& box) {
  return CorruptError(kM4a, absl::StrCat("box ", QuoteTag(box.type),
                                         " is too short for its fields"));
}

}  // namespace lipsync::audio

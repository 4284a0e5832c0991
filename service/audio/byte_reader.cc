#include "service/audio/byte_reader.h"

namespace lipsync::audio {
namespace {

// Written as "width > size - offset" rather than "offset + width > size" so
// that a huge offset cannot wrap around and pass the check.
bool Fits(absl::string_view bytes, size_t offset, size_t width) {
  return offset <= bytes.size() && width <= bytes.size() - offset;
}

template <typename T>
std::optional<T> LoadBe(absl::string_view bytes, size_t offset, size_t width) {
  if (!Fits(bytes, offset, width)) return std::nullopt;
  T value = 0;
  for (size_t i = 0; i < width; ++i) {
    value =
        static_cast<T>((value << 8) | static_cast<uint8_t>(bytes[offset + i]));
  }
  return value;
}

template <typename T>
std::optional<T> LoadLe(absl::string_view bytes, size_t offset, size_t width) {
  if (!Fits(bytes, offset, width)) return std::nullopt;
  T value = 0;
  for (size_t i = width; i > 0; --i) {
    value = static_cast<T>((value << 8) |
                           static_cast<uint8_t>(bytes[offset + i - 1]));
  }
  return value;
}

}  // namespace

std::optional<uint8_t> LoadU8(absl::string_view bytes, size_t offset) {
  return LoadBe<uint8_t>(bytes, offset, 1);
}
std::optional<uint16_t> LoadU16Be(absl::string_view bytes, size_t offset) {
  return LoadBe<uint16_t>(bytes, offset, 2);
}
std::optional<uint16_t> LoadU16Le(absl::string_view bytes, size_t offset) {
  return LoadLe<uint16_t>(bytes, offset, 2);
}
std::optional<uint32_t> LoadU24Be(absl::string_view bytes, size_t offset) {
  return LoadBe<uint32_t>(bytes, offset, 3);
}
std::optional<uint32_t> LoadU32Be(absl::string_view bytes, size_t offset) {
  return LoadBe<uint32_t>(bytes, offset, 4);
}
std::optional<uint32_t> LoadU32Le(absl::string_view bytes, size_t offset) {
  return LoadLe<uint32_t>(bytes, offset, 4);
}
std::optional<uint64_t> LoadU64Be(absl::string_view bytes, size_t offset) {
  return LoadBe<uint64_t>(bytes, offset, 8);
}
std::optional<uint64_t> LoadU64Le(absl::string_view bytes, size_t offset) {
  return LoadLe<uint64_t>(bytes, offset, 8);
}

bool HasTagAt(absl::string_view bytes, size_t offset, absl::string_view tag) {
  return Fits(bytes, offset, tag.size()) &&
         bytes.substr(offset, tag.size()) == tag;
}

bool ByteReader::Skip(uint64_t n) {
  if (n > remaining()) return false;
  position_ += static_cast<size_t>(n);
  return true;
}

bool ByteReader::Seek(uint64_t position) {
  if (position > bytes_.size()) return false;
  position_ = static_cast<size_t>(position);
  return true;
}

template <typename T>
std::optional<T> ByteReader::Advance(std::optional<T> value, size_t width) {
  if (value.has_value()) position_ += width;
  return value;
}

std::optional<uint8_t> ByteReader::ReadU8() {
  return Advance(LoadU8(bytes_, position_), 1);
}
std::optional<uint16_t> ByteReader::ReadU16Be() {
  return Advance(LoadU16Be(bytes_, position_), 2);
}
std::optional<uint16_t> ByteReader::ReadU16Le() {
  return Advance(LoadU16Le(bytes_, position_), 2);
}
std::optional<uint32_t> ByteReader::ReadU32Be() {
  return Advance(LoadU32Be(bytes_, position_), 4);
}
std::optional<uint32_t> ByteReader::ReadU32Le() {
  return Advance(LoadU32Le(bytes_, position_), 4);
}
std::optional<uint64_t> ByteReader::ReadU64Be() {
  return Advance(LoadU64Be(bytes_, position_), 8);
}
std::optional<uint64_t> ByteReader::ReadU64Le() {
  return Advance(LoadU64Le(bytes_, position_), 8);
}

std::optional<absl::string_view> ByteReader::ReadBytes(uint64_t n) {
  if (n > remaining()) return std::nullopt;
  absl::string_view out = bytes_.substr(position_, static_cast<size_t>(n));
  position_ += static_cast<size_t>(n);
  return out;
}

}  // namespace lipsync::audio

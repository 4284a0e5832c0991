#ifndef LIPSYNC_SERVICE_AUDIO_BYTE_READER_H_
#define LIPSYNC_SERVICE_AUDIO_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace lipsync::audio {

// Bounds-checked loads of unsigned integers at an absolute offset. Each
// returns std::nullopt when the value does not fit entirely inside `bytes`,
// whatever `offset` is (including offsets near SIZE_MAX).
std::optional<uint8_t> LoadU8(absl::string_view bytes, size_t offset);
std::optional<uint16_t> LoadU16Be(absl::string_view bytes, size_t offset);
std::optional<uint16_t> LoadU16Le(absl::string_view bytes, size_t offset);
std::optional<uint32_t> LoadU24Be(absl::string_view bytes, size_t offset);
std::optional<uint32_t> LoadU32Be(absl::string_view bytes, size_t offset);
std::optional<uint32_t> LoadU32Le(absl::string_view bytes, size_t offset);
std::optional<uint64_t> LoadU64Be(absl::string_view bytes, size_t offset);
std::optional<uint64_t> LoadU64Le(absl::string_view bytes, size_t offset);

// True when `bytes` holds `tag` at `offset` (e.g. a FourCC). False, never a
// read past the end, when the range does not fit.
bool HasTagAt(absl::string_view bytes, size_t offset, absl::string_view tag);

// A cursor over a byte buffer it does not own. Every read is bounds-checked:
// a read that does not fit returns std::nullopt (or false) and leaves the
// position unchanged, so callers turn "ran out of bytes" into a Status.
// Not thread-safe; cheap to copy.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view bytes) : bytes_(bytes) {}

  size_t position() const { return position_; }
  size_t size() const { return bytes_.size(); }
  size_t remaining() const { return bytes_.size() - position_; }
  absl::string_view bytes() const { return bytes_; }

  // Moves forward `n` bytes; false (position unchanged) past the end.
  bool Skip(uint64_t n);
  // Moves to `position`; false (position unchanged) past the end. Seeking to
  // size() is allowed and leaves nothing to read.
  bool Seek(uint64_t position);

  std::optional<uint8_t> ReadU8();
  std::optional<uint16_t> ReadU16Be();
  std::optional<uint16_t> ReadU16Le();
  std::optional<uint32_t> ReadU32Be();
  std::optional<uint32_t> ReadU32Le();
  std::optional<uint64_t> ReadU64Be();
  std::optional<uint64_t> ReadU64Le();
  // The next `n` bytes as a view into the same buffer.
  std::optional<absl::string_view> ReadBytes(uint64_t n);

 private:
  template <typename T>
  std::optional<T> Advance(std::optional<T> value, size_t width);

  absl::string_view bytes_;
  size_t position_ = 0;
};

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_BYTE_READER_H_

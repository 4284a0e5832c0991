// An HTTP request body described as pieces instead of materialised: literal
// text, and "standard Base64 of these bytes" referencing bytes held
// elsewhere (a request's `sound_file_bytes`, in gRPC's received slices). The
// transport pulls it through ReadAt() straight into libcurl's upload buffer,
// so a 5 MB audio is never copied into a 6.7 MB body string (built bodies
// held S2's peak RSS at 199-202 MB; streamed, 124-135 MB).
#ifndef LIPSYNC_SERVICE_COMMON_STREAMED_BODY_H_
#define LIPSYNC_SERVICE_COMMON_STREAMED_BODY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace lipsync {

class StreamedBody {
 public:
  // Appends literal text (copied; adjacent literals are merged).
  void AppendText(absl::string_view text);
  // Appends the padded Base64 of `raw`, which is NOT copied: the bytes must
  // stay alive and unchanged for as long as the body is read.
  void AppendBase64Of(absl::string_view raw);
  // Appends the padded Base64 of all of `raw`'s bytes, read from its chunks
  // where they are: the body shares the Cord (keeps the bytes alive), copies
  // nothing but the 1-2 bytes of a 3-byte group that straddles two chunks
  // (encoded into a 4-character literal), and encodes the rest as it is read.
  void AppendBase64Of(const absl::Cord& raw);

  // Exact number of bytes the body produces (the Content-Length).
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Writes up to `n` bytes of the body starting at `offset` to `out` and
  // returns how many (0 only at or past the end). Stateless, so a rewind
  // (retry on a fresh connection) is just reading from offset 0 again.
  std::size_t ReadAt(uint64_t offset, char* out, std::size_t n) const;

  // The whole body in one string; for tests and small bodies.
  std::string ToString() const;
  // The whole body, without a copy, when it is literal text only (no Base64
  // piece): a create without inline audio, an identify. Valid while the body
  // is alive and unchanged.
  std::optional<absl::string_view> SingleText() const;

 private:
  struct Piece {
    bool base64 = false;
    std::string text;       // literal text, when !base64
    absl::string_view raw;  // bytes to encode, when base64 (not owned)
    uint64_t start = 0;     // body offset of the piece's first byte
    uint64_t size = 0;      // bytes this piece produces
  };
  std::vector<Piece> pieces_;
  // The Cords whose chunks base64 pieces reference (shared, not copied).
  std::vector<absl::Cord> held_;
  uint64_t size_ = 0;
};

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_STREAMED_BODY_H_

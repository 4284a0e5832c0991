#include "service/common/streamed_body.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "service/common/base64.h"

namespace lipsync {
namespace {

// Writes `n` characters of Base64(raw) starting at character `offset`.
// Whole 4-character groups are encoded straight into `out`; a group cut by
// the read window (libcurl asks for arbitrary sizes) is encoded into a
// 4-byte scratch and only the requested part of it is copied.
void EncodeRange(absl::string_view raw, uint64_t offset, char* out,
                 std::size_t n) {
  while (n > 0) {
    const std::size_t group = static_cast<std::size_t>(offset / 4);
    const std::size_t within = static_cast<std::size_t>(offset % 4);
    if (within == 0 && n >= 4) {
      const std::size_t groups = n / 4;
      // substr clamps at the end: the last group may hold 1 or 2 bytes and
      // still encodes to 4 characters (padding).
      Base64EncodeTo(raw.substr(group * 3, groups * 3), out);
      out += groups * 4;
      offset += groups * 4;
      n -= groups * 4;
    } else {
      char scratch[4];
      Base64EncodeTo(raw.substr(group * 3, 3), scratch);
      const std::size_t take = std::min<std::size_t>(4 - within, n);
      std::memcpy(out, scratch + within, take);
      out += take;
      offset += take;
      n -= take;
    }
  }
}

}  // namespace

void StreamedBody::AppendText(absl::string_view text) {
  if (text.empty()) return;
  if (pieces_.empty() || pieces_.back().base64) {
    pieces_.emplace_back();
    pieces_.back().start = size_;
  }
  Piece& piece = pieces_.back();
  piece.text.append(text.data(), text.size());
  piece.size += text.size();
  size_ += text.size();
}

std::optional<absl::string_view> StreamedBody::SingleText() const {
  // Empty: a view of "" rather than a null pointer, which libcurl's
  // CURLOPT_POSTFIELDS would take as "no fields: read the body instead".
  if (pieces_.empty()) return absl::string_view("");
  // Adjacent literals are merged, so literal-only means one piece.
  if (pieces_.size() > 1 || pieces_.front().base64) return std::nullopt;
  return absl::string_view(pieces_.front().text);
}

void StreamedBody::AppendBase64Of(absl::string_view raw) {
  if (raw.empty()) return;
  Piece piece;
  piece.base64 = true;
  piece.raw = raw;
  piece.start = size_;
  piece.size = Base64EncodedSize(raw.size());
  size_ += piece.size;
  pieces_.push_back(std::move(piece));
}

void StreamedBody::AppendBase64Of(const absl::Cord& raw) {
  // Base64 encodes 3-byte groups independently, so the encoding of the
  // whole is the encodings of its 3-aligned runs, one after the other (each
  // run a piece of its own: no padding, as its length is a multiple of 3).
  // Small Cords may keep their bytes inside the Cord object itself (which
  // moves with this body): those are encoded now, as text.
  constexpr std::size_t kSmallestReferenced = 64;
  if (raw.size() < kSmallestReferenced) {
    AppendText(Base64Encode(std::string(raw)));
    return;
  }
  held_.push_back(raw);
  std::string straddling;  // 0-2 bytes waiting for the next chunk
  for (absl::string_view chunk : held_.back().Chunks()) {
    if (!straddling.empty()) {
      const std::size_t take =
          std::min<std::size_t>(3 - straddling.size(), chunk.size());
      straddling.append(chunk.data(), take);
      chunk.remove_prefix(take);
      if (straddling.size() < 3) continue;
      AppendText(Base64Encode(straddling));
      straddling.clear();
    }
    const std::size_t whole = chunk.size() / 3 * 3;
    AppendBase64Of(chunk.substr(0, whole));
    straddling.assign(chunk.data() + whole, chunk.size() - whole);
  }
  if (!straddling.empty()) AppendText(Base64Encode(straddling));
}

std::size_t StreamedBody::ReadAt(uint64_t offset, char* out,
                                 std::size_t n) const {
  std::size_t written = 0;
  // Audio in gRPC's slices makes hundreds of pieces: find the first one
  // that reaches past `offset`, then read on from there.
  auto piece = std::partition_point(
      pieces_.begin(), pieces_.end(),
      [offset](const Piece& p) { return p.start + p.size <= offset; });
  for (; piece != pieces_.end() && written < n; ++piece) {
    const uint64_t local = offset - piece->start;
    const std::size_t take = static_cast<std::size_t>(
        std::min<uint64_t>(piece->size - local, n - written));
    if (piece->base64) {
      EncodeRange(piece->raw, local, out + written, take);
    } else {
      std::memcpy(out + written, piece->text.data() + local, take);
    }
    written += take;
    offset += take;
  }
  return written;
}

std::string StreamedBody::ToString() const {
  std::string out(static_cast<std::size_t>(size_), '\0');
  ReadAt(0, out.data(), out.size());
  return out;
}

}  // namespace lipsync

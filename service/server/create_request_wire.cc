#include "service/server/create_request_wire.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace lipsync::server {
namespace {

namespace v1 = ::kling::lipsync::v1;

// Tags (field number << 3 | wire type 2, length-delimited) of the two fields
// the walk looks into; lipsync.proto must keep these numbers.
constexpr uint64_t kFaceChooseTag = (2 << 3) | 2;      // request.face_choose
constexpr uint64_t kSoundFileBytesTag = (9 << 3) | 2;  // face.sound_file_bytes
static_assert(v1::CreateLipSyncTaskRequest::kFaceChooseFieldNumber == 2);
static_assert(v1::FaceChoose::kSoundFileBytesFieldNumber == 9);

// Reads a Cord front to back. A read that would run past the end fails
// (nullopt or false) instead.
class CordReader {
 public:
  explicit CordReader(const absl::Cord& cord)
      : it_(cord.char_begin()), remaining_(cord.size()) {}

  bool done() const { return remaining_ == 0; }

  // A base-128 varint of at most 10 bytes; its bytes are also appended to
  // `raw`, so that a field can be copied as it came.
  std::optional<uint64_t> Varint(std::string* raw) {
    uint64_t value = 0;
    for (int shift = 0; shift < 70 && remaining_ > 0; shift += 7) {
      const auto byte = static_cast<uint8_t>(*it_);
      ++it_;
      --remaining_;
      raw->push_back(static_cast<char>(byte));
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  }

  bool CopyTo(uint64_t n, std::string* out) {
    if (n > remaining_) return false;
    remaining_ -= n;
    while (n > 0) {
      const absl::string_view chunk = absl::Cord::ChunkRemaining(it_);
      const auto take =
          static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), n));
      out->append(chunk.data(), take);
      absl::Cord::Advance(&it_, take);
      n -= take;
    }
    return true;
  }

  // The next `n` bytes as a Cord that shares the chunks (no copy).
  std::optional<absl::Cord> Read(uint64_t n) {
    if (n > remaining_) return std::nullopt;
    remaining_ -= n;
    return absl::Cord::AdvanceAndRead(&it_, static_cast<std::size_t>(n));
  }

 private:
  absl::Cord::CharIterator it_;
  std::size_t remaining_;
};

// Copies the value of a field whose tag was just read. False for what the
// walk leaves to protobuf: groups (wire types 3, 4), invalid wire types,
// field number 0, or a value cut short.
bool CopyValue(uint64_t tag, CordReader& in, std::string* out) {
  if ((tag >> 3) == 0) return false;
  switch (tag & 7) {
    case 0:
      return in.Varint(out).has_value();
    case 1:
      return in.CopyTo(8, out);
    case 2: {
      const std::optional<uint64_t> size = in.Varint(out);
      return size.has_value() && in.CopyTo(*size, out);
    }
    case 5:
      return in.CopyTo(4, out);
    default:
      return false;
  }
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// One face entry without its audio. `audio` gets the last
// `sound_file_bytes` value (proto3: the last one wins), else stays empty.
bool SplitFace(const absl::Cord& face, std::string* skeleton,
               absl::Cord* audio) {
  CordReader in(face);
  while (!in.done()) {
    std::string tag_bytes;
    const std::optional<uint64_t> tag = in.Varint(&tag_bytes);
    if (!tag.has_value()) return false;
    if (*tag == kSoundFileBytesTag) {
      std::string size_bytes;
      const std::optional<uint64_t> size = in.Varint(&size_bytes);
      if (!size.has_value()) return false;
      std::optional<absl::Cord> value = in.Read(*size);
      if (!value.has_value()) return false;
      *audio = *std::move(value);
      continue;
    }
    skeleton->append(tag_bytes);
    if (!CopyValue(*tag, in, skeleton)) return false;
  }
  return true;
}

// The whole request without the faces' audio, and each face's audio.
bool Split(const absl::Cord& wire, std::string* skeleton,
           std::vector<absl::Cord>* audio) {
  CordReader in(wire);
  while (!in.done()) {
    std::string tag_bytes;
    const std::optional<uint64_t> tag = in.Varint(&tag_bytes);
    if (!tag.has_value()) return false;
    skeleton->append(tag_bytes);
    if (*tag != kFaceChooseTag) {
      if (!CopyValue(*tag, in, skeleton)) return false;
      continue;
    }
    std::string size_bytes;
    const std::optional<uint64_t> size = in.Varint(&size_bytes);
    if (!size.has_value()) return false;
    const std::optional<absl::Cord> face = in.Read(*size);
    if (!face.has_value()) return false;
    std::string face_skeleton;
    absl::Cord face_audio;
    if (!SplitFace(*face, &face_skeleton, &face_audio)) return false;
    AppendVarint(face_skeleton.size(), skeleton);
    skeleton->append(face_skeleton);
    audio->push_back(std::move(face_audio));
  }
  return true;
}

}  // namespace

absl::Cord CordFromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  absl::Cord cord;
  if (!buffer.Dump(&slices).ok()) return cord;
  for (grpc::Slice& slice : slices) {
    const absl::string_view bytes(reinterpret_cast<const char*>(slice.begin()),
                                  slice.size());
    // A small slice may keep its bytes inside the grpc::Slice object itself
    // (gRPC inlines up to 23 bytes), which moves into the releaser below:
    // copy those. Larger ones are referenced; the releaser owns a reference
    // to the slice, so the bytes live as long as any Cord that shares them.
    constexpr std::size_t kSmallestShared = 256;
    if (bytes.size() < kSmallestShared) {
      cord.Append(bytes);
      continue;
    }
    cord.Append(absl::MakeCordFromExternal(
        bytes, [kept = std::move(slice)](absl::string_view) {}));
  }
  return cord;
}

absl::StatusOr<std::unique_ptr<ReceivedCreateRequest>>
ReceivedCreateRequest::Parse(const absl::Cord& wire) {
  const auto refused = [&wire] {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request is not a valid kling.lipsync.v1.CreateLipSyncTaskRequest"
        " (protobuf could not parse its ",
        wire.size(), " bytes)"));
  };
  std::unique_ptr<ReceivedCreateRequest> parsed(new ReceivedCreateRequest());
  std::string skeleton;
  std::vector<absl::Cord> audio;
  if (Split(wire, &skeleton, &audio)) {
    // The skeleton holds every byte but the audio, a bytes field that
    // protobuf takes as it is: the skeleton parses if and only if the
    // whole would.
    if (!parsed->message_.ParseFromString(skeleton)) return refused();
    parsed->request_.emplace(parsed->message_, std::move(audio));
    parsed->audio_left_in_place_ = true;
    return parsed;
  }
  // Protobuf judges what the walk did not understand, on the whole input.
  if (!parsed->message_.ParseFromString(std::string(wire))) return refused();
  parsed->request_.emplace(parsed->message_);
  return parsed;
}

}  // namespace lipsync::server

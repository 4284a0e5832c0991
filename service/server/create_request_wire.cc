#include "service/server/create_request_wire.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/zero_copy_stream.h"

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

  // A field's tag, read only where protobuf 3.21 reads the same value (it
  // would drop the bits above 32; the walk gives up instead, and protobuf
  // judges).
  std::optional<uint64_t> Tag(std::string* raw) {
    return ProtobufVarint32(raw, std::numeric_limits<uint32_t>::max());
  }

  // A length-delimited value: its length (up to INT32_MAX, as protobuf
  // 3.21 accepts; appended to `raw_length`), then the value, shared.
  std::optional<absl::Cord> LengthDelimited(std::string* raw_length) {
    const std::optional<uint64_t> size = ProtobufVarint32(
        raw_length, static_cast<uint64_t>(std::numeric_limits<int32_t>::max()));
    if (!size.has_value()) return std::nullopt;
    return Read(*size);
  }

 private:
  // A varint that protobuf 3.21 reads as a 32-bit field (a tag, a length):
  // at most 5 bytes, and at most `max`.
  std::optional<uint64_t> ProtobufVarint32(std::string* raw, uint64_t max) {
    const std::size_t before = raw->size();
    const std::optional<uint64_t> value = Varint(raw);
    if (!value.has_value() || raw->size() - before > 5 || *value > max) {
      return std::nullopt;
    }
    return value;
  }

  absl::Cord::CharIterator it_;
  std::size_t remaining_;
};

// The skeleton under construction: small bytes (tags, lengths, numbers,
// short strings) are copied, large values are shared with the input, so a
// 6.7 MB Base64 `sound_file` is copied only by protobuf's parse, as it
// would be without the walk.
class SkeletonWriter {
 public:
  std::string* small() { return &pending_; }
  void Append(absl::Cord value) {
    constexpr std::size_t kLargestCopied = 512;
    if (value.size() <= kLargestCopied) {
      for (absl::string_view chunk : value.Chunks()) {
        pending_.append(chunk.data(), chunk.size());
      }
      return;
    }
    Flush();
    cord_.Append(std::move(value));
  }
  absl::Cord Finish() && {
    Flush();
    return std::move(cord_);
  }

 private:
  void Flush() {
    if (!pending_.empty()) cord_.Append(std::move(pending_));
    pending_.clear();
  }

  absl::Cord cord_;
  std::string pending_;
};

// Copies (or shares) the value of a field whose tag was just read. False
// for what the walk leaves to protobuf: groups (wire types 3, 4), invalid
// wire types, field number 0, or a value cut short.
bool CopyValue(uint64_t tag, CordReader& in, SkeletonWriter& out) {
  if ((tag >> 3) == 0) return false;
  switch (tag & 7) {
    case 0:
      return in.Varint(out.small()).has_value();
    case 1:
      return in.CopyTo(8, out.small());
    case 2: {
      std::optional<absl::Cord> value = in.LengthDelimited(out.small());
      if (!value.has_value()) return false;
      out.Append(*std::move(value));
      return true;
    }
    case 5:
      return in.CopyTo(4, out.small());
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
bool SplitFace(const absl::Cord& face, SkeletonWriter& skeleton,
               absl::Cord* audio) {
  CordReader in(face);
  while (!in.done()) {
    std::string tag_bytes;
    const std::optional<uint64_t> tag = in.Tag(&tag_bytes);
    if (!tag.has_value()) return false;
    if (*tag == kSoundFileBytesTag) {
      std::string length_bytes;  // dropped with the value
      std::optional<absl::Cord> value = in.LengthDelimited(&length_bytes);
      if (!value.has_value()) return false;
      *audio = *std::move(value);
      continue;
    }
    skeleton.small()->append(tag_bytes);
    if (!CopyValue(*tag, in, skeleton)) return false;
  }
  return true;
}

// The whole request without the faces' audio, and each face's audio.
bool Split(const absl::Cord& wire, SkeletonWriter& skeleton,
           std::vector<absl::Cord>* audio) {
  CordReader in(wire);
  while (!in.done()) {
    const std::optional<uint64_t> tag = in.Tag(skeleton.small());
    if (!tag.has_value()) return false;
    if (*tag != kFaceChooseTag) {
      if (!CopyValue(*tag, in, skeleton)) return false;
      continue;
    }
    std::string length_bytes;  // rewritten for the face without its audio
    const std::optional<absl::Cord> face = in.LengthDelimited(&length_bytes);
    if (!face.has_value()) return false;
    SkeletonWriter face_skeleton;
    absl::Cord face_audio;
    if (!SplitFace(*face, face_skeleton, &face_audio)) return false;
    absl::Cord face_bytes = std::move(face_skeleton).Finish();
    AppendVarint(face_bytes.size(), skeleton.small());
    skeleton.Append(std::move(face_bytes));
    audio->push_back(std::move(face_audio));
  }
  return true;
}

// Protobuf reads a Cord chunk by chunk (protobuf 3.21 has no Cord stream).
class CordInputStream final : public google::protobuf::io::ZeroCopyInputStream {
 public:
  explicit CordInputStream(const absl::Cord& cord)
      : next_(cord.chunk_begin()), end_(cord.chunk_end()) {}

  bool Next(const void** data, int* size) override {
    if (backed_up_ == 0) {
      if (next_ == end_) return false;
      last_ = *next_;
      ++next_;
      backed_up_ = last_.size();
    }
    *data = last_.data() + (last_.size() - backed_up_);
    *size = static_cast<int>(backed_up_);
    count_ += static_cast<int64_t>(backed_up_);
    backed_up_ = 0;
    return true;
  }
  void BackUp(int count) override {
    backed_up_ = static_cast<std::size_t>(count);
    count_ -= count;
  }
  bool Skip(int count) override {
    const void* data;
    int size;
    while (count > 0) {
      if (!Next(&data, &size)) return false;
      if (size > count) {
        BackUp(size - count);
        return true;
      }
      count -= size;
    }
    return true;
  }
  int64_t ByteCount() const override { return count_; }

 private:
  absl::Cord::ChunkIterator next_;
  absl::Cord::ChunkIterator end_;
  absl::string_view last_;     // the chunk Next returned last
  std::size_t backed_up_ = 0;  // bytes at the end of last_ given back
  int64_t count_ = 0;
};

// True when `message` has `faces` faces and none kept a `sound_file_bytes`.
bool AudioLeftOut(const v1::CreateLipSyncTaskRequest& message,
                  std::size_t faces) {
  if (static_cast<std::size_t>(message.face_choose_size()) != faces) {
    return false;
  }
  for (const v1::FaceChoose& face : message.face_choose()) {
    if (!face.sound_file_bytes().empty()) return false;
  }
  return true;
}

bool ParseFromCord(const absl::Cord& bytes,
                   kling::lipsync::v1::CreateLipSyncTaskRequest* message) {
  CordInputStream stream(bytes);
  return message->ParseFromZeroCopyStream(&stream);
}

}  // namespace

absl::StatusOr<absl::Cord> CordFromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  const grpc::Status dumped = buffer.Dump(&slices);
  if (!dumped.ok()) {
    return absl::InternalError(absl::StrCat(
        "could not read the request's bytes: ", dumped.error_message()));
  }
  absl::Cord cord;
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
  SkeletonWriter skeleton;
  std::vector<absl::Cord> audio;
  if (Split(wire, skeleton, &audio)) {
    // The skeleton holds every byte but the audio, a bytes field that
    // protobuf takes as it is: the skeleton parses if and only if the
    // whole would.
    if (!ParseFromCord(std::move(skeleton).Finish(), &parsed->message_)) {
      return refused();
    }
    // Belt and braces: protobuf saw the faces the walk saw, none with audio.
    if (AudioLeftOut(parsed->message_, audio.size())) {
      parsed->request_.emplace(parsed->message_, std::move(audio));
      parsed->audio_left_in_place_ = true;
      return parsed;
    }
    parsed->message_.Clear();
  }
  // Protobuf judges what the walk did not understand, on the whole input.
  if (!ParseFromCord(wire, &parsed->message_)) return refused();
  parsed->request_.emplace(parsed->message_);
  return parsed;
}

}  // namespace lipsync::server

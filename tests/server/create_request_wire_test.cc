// The edge's own parse of CreateLipSyncTask must equal protobuf's, whatever
// slices the bytes came in, while leaving the audio where it lies.
#include "service/server/create_request_wire.h"

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/cord_pieces.h"

namespace lipsync::server {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::testing::CordInPieces;

std::string RandomBytes(std::size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

v1::CreateLipSyncTaskRequest FullRequest(std::size_t audio_bytes) {
  v1::CreateLipSyncTaskRequest r;
  r.set_session_id("825465778199224380");
  r.set_external_task_id("ext-1");
  r.set_callback_url("https://example.com/cb");
  r.mutable_watermark_info()->set_enabled(true);
  r.set_request_id("key-1");
  v1::FaceChoose* face = r.add_face_choose();
  face->set_face_id("0");
  face->set_sound_start_time(0);
  face->set_sound_end_time(3000);
  face->set_sound_insert_time(500);
  face->set_sound_volume(1.5);
  face->set_original_audio_volume(0.25);
  face->set_sound_file_bytes(RandomBytes(audio_bytes, 7));
  return r;
}

// Protobuf's own verdict on `wire`, against the edge's: both refuse, or the
// edge's message is protobuf's without the audio and each face's audio is
// protobuf's `sound_file_bytes`.
void ExpectSameAsProtobuf(const std::string& wire, const absl::Cord& cord) {
  v1::CreateLipSyncTaskRequest expected;
  const bool protobuf_ok = expected.ParseFromString(wire);
  absl::StatusOr<std::unique_ptr<ReceivedCreateRequest>> got =
      ReceivedCreateRequest::Parse(cord);
  ASSERT_EQ(got.ok(), protobuf_ok) << got.status();
  if (!protobuf_ok) {
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find("CreateLipSyncTaskRequest"),
              std::string::npos);
    return;
  }
  const CreateRequest& request = (*got)->request();
  ASSERT_EQ(request.message().face_choose_size(), expected.face_choose_size());
  for (int i = 0; i < expected.face_choose_size(); ++i) {
    EXPECT_EQ(std::string(request.sound_file_bytes(i)),
              expected.face_choose(i).sound_file_bytes())
        << "face " << i;
    if ((*got)->audio_left_in_place()) {
      EXPECT_TRUE(request.message().face_choose(i).sound_file_bytes().empty());
      expected.mutable_face_choose(i)->clear_sound_file_bytes();
    }
  }
  EXPECT_EQ(request.message().SerializeAsString(),
            expected.SerializeAsString());
}

TEST(ReceivedCreateRequestTest, EqualsProtobufInEveryPieceSize) {
  const std::string wire = FullRequest(100000).SerializeAsString();
  for (std::size_t piece :
       {1u, 2u, 3u, 5u, 7u, 64u, 255u, 4096u, 16384u, 65536u, 1000000u}) {
    SCOPED_TRACE(piece);
    const absl::Cord cord = CordInPieces(wire, piece);
    ExpectSameAsProtobuf(wire, cord);
    auto got = ReceivedCreateRequest::Parse(cord);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE((*got)->audio_left_in_place());
  }
}

TEST(ReceivedCreateRequestTest, Base64SoundFileAndLargeFieldsParseAsProtobuf) {
  // Values above the size the walk copies are shared into the skeleton.
  v1::CreateLipSyncTaskRequest request = FullRequest(0);
  request.mutable_face_choose(0)->set_sound_file(std::string(200000, 'Q') +
                                                 "==");
  request.set_callback_url("https://example.com/" + std::string(3000, 'c'));
  const std::string wire = request.SerializeAsString();
  for (std::size_t piece : {1u, 7u, 511u, 512u, 513u, 16384u, 1000000u}) {
    SCOPED_TRACE(piece);
    ExpectSameAsProtobuf(wire, CordInPieces(wire, piece));
  }
}

TEST(ReceivedCreateRequestTest, LeavesTheAudioInTheReceivedPieces) {
  const std::string wire = FullRequest(300000).SerializeAsString();
  auto got = ReceivedCreateRequest::Parse(CordInPieces(wire, 16384));
  ASSERT_TRUE(got.ok());
  const absl::Cord& audio = (*got)->request().sound_file_bytes(0);
  ASSERT_EQ(audio.size(), 300000u);
  // Every chunk of the audio lies inside `wire`: nothing was copied.
  const char* begin = wire.data();
  const char* end = wire.data() + wire.size();
  for (absl::string_view chunk : audio.Chunks()) {
    EXPECT_GE(chunk.data(), begin);
    EXPECT_LE(chunk.data() + chunk.size(), end);
  }
}

TEST(ReceivedCreateRequestTest, LastAudioValueWinsAndOtherFieldsStay) {
  v1::CreateLipSyncTaskRequest first = FullRequest(1000);
  std::string wire = first.SerializeAsString();
  // A second face_choose entry, then a top-level unknown field, then a face
  // with two sound_file_bytes values and an unknown field of its own.
  v1::CreateLipSyncTaskRequest more;
  v1::FaceChoose* face = more.add_face_choose();
  face->set_face_id("1");
  face->set_sound_file_bytes(RandomBytes(700, 1));
  wire += more.SerializeAsString();
  wire += std::string("\xc8\x06\x2a", 3);  // field 105, varint 42
  std::string second_face;
  v1::FaceChoose a;
  a.set_sound_file_bytes(RandomBytes(500, 2));
  v1::FaceChoose b;
  b.set_face_id("2");
  b.set_sound_file_bytes(RandomBytes(400, 3));
  second_face = a.SerializeAsString() + std::string("\xf8\x01\x07", 3) +
                b.SerializeAsString();  // field 31, varint 7, in between
  wire += std::string("\x12", 1);
  wire += static_cast<char>(0x80 | (second_face.size() & 0x7F));
  wire += static_cast<char>(second_face.size() >> 7);
  wire += second_face;
  for (std::size_t piece : {1u, 3u, 100u, 100000u}) {
    SCOPED_TRACE(piece);
    ExpectSameAsProtobuf(wire, CordInPieces(wire, piece));
  }
  auto got = ReceivedCreateRequest::Parse(CordInPieces(wire, 10));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE((*got)->audio_left_in_place());
  ASSERT_EQ((*got)->request().message().face_choose_size(), 3);
  EXPECT_EQ(std::string((*got)->request().sound_file_bytes(2)),
            RandomBytes(400, 3));
}

// Encodings where a reader that is not protobuf's could disagree with it:
// a tag that needs its 5th byte's high bits dropped, a length in 6 bytes,
// tags and lengths in more bytes than needed.
TEST(ReceivedCreateRequestTest, UnusualVarintsGetProtobufsReading) {
  v1::FaceChoose face;
  face.set_face_id("0");
  face.set_sound_file_bytes(RandomBytes(300, 4));
  const std::string face_bytes = face.SerializeAsString();
  const std::string audio2 = RandomBytes(200, 5);
  auto length = [](std::size_t n) {
    std::string out;
    while (n >= 0x80) {
      out += static_cast<char>((n & 0x7F) | 0x80);
      n >>= 7;
    }
    return out + static_cast<char>(n);
  };
  const std::string cases[] = {
      // face_choose's tag 18 written with bit 32 set: protobuf keeps 32 bits.
      std::string("\x92\x80\x80\x80\x10", 5) + length(face_bytes.size()) +
          face_bytes,
      // sound_file_bytes' tag 74 likewise, after a normal value: last wins.
      "\x12" + length(face_bytes.size() + 5 + 2 + audio2.size()) + face_bytes +
          std::string("\xca\x80\x80\x80\x10", 5) + length(audio2.size()) +
          audio2,
      // A face length in 6 bytes, and an audio length in 6 bytes.
      std::string("\x12\x85\x80\x80\x80\x80\x00\x0a\x01\x30\x4a\x00", 12),
      std::string("\x12\x09\x0a\x01\x30\x4a\x81\x80\x80\x80\x80\x00\x7a", 13),
      // Tags and lengths in more bytes than needed (protobuf accepts them).
      std::string("\x92\x00", 2) + length(face_bytes.size()) + face_bytes,
      "\x12" + std::string("\x83\x80\x00", 3) + "\x0a\x01\x30",
  };
  for (const std::string& wire : cases) {
    SCOPED_TRACE(::testing::PrintToString(wire.substr(0, 12)));
    for (std::size_t piece : {1u, 4u, 1000u}) {
      ExpectSameAsProtobuf(wire, CordInPieces(wire, piece));
    }
  }
}

TEST(ReceivedCreateRequestTest, GroupsGoToProtobufWhole) {
  // An unknown group (wire types 3 and 4) is legal; the walk hands it over.
  std::string wire = FullRequest(2000).SerializeAsString();
  wire += std::string("\xa3\x06\xa8\x06\x01\xa4\x06", 7);  // group 100 {101: 1}
  ExpectSameAsProtobuf(wire, CordInPieces(wire, 50));
  auto got = ReceivedCreateRequest::Parse(CordInPieces(wire, 50));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)->audio_left_in_place());
  EXPECT_EQ(std::string((*got)->request().sound_file_bytes(0)),
            RandomBytes(2000, 7));
}

TEST(ReceivedCreateRequestTest, MalformedInputIsRefusedAsProtobufWould) {
  const std::string wire = FullRequest(3000).SerializeAsString();
  std::vector<std::string> inputs = {
      wire.substr(0, wire.size() - 1),  // cut inside the audio
      wire.substr(0, 3),                // cut inside the session id
      std::string("\x12\xff\xff\xff\xff\x0f",
                  6),                      // a face longer than the input
      std::string("\x0a\x02\xff\xfe", 4),  // session_id not UTF-8
      std::string("\x00\x01", 2),          // field number 0
      std::string("\x0f", 1),              // wire type 7
      std::string(11, '\xff'),             // an endless varint
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(::testing::PrintToString(input.substr(0, 16)));
    ExpectSameAsProtobuf(input, CordInPieces(input, 2));
  }
}

TEST(ReceivedCreateRequestTest, AnyMutationGetsProtobufsVerdict) {
  const std::string valid = FullRequest(200).SerializeAsString();
  std::mt19937 random(20261202);
  for (int round = 0; round < 3000; ++round) {
    std::string wire = valid;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % wire.size();
      switch (random() % 3) {
        case 0:
          wire[at] = static_cast<char>(random());
          break;
        case 1:
          wire.erase(at, 1 + random() % 4);
          break;
        default:
          wire.insert(at, 1, static_cast<char>(random()));
      }
      if (wire.empty()) wire = "\x0a";
    }
    SCOPED_TRACE(round);
    ExpectSameAsProtobuf(wire, CordInPieces(wire, 1 + random() % 40));
    if (HasFatalFailure()) return;
  }
}

TEST(CordFromByteBufferTest, SharesLargeSlicesAndOutlivesTheBuffer) {
  const std::string small = "tiny";                // inlined by gRPC
  const std::string large = RandomBytes(5000, 9);  // refcounted
  absl::Cord cord;
  const void* large_bytes = nullptr;
  {
    std::vector<grpc::Slice> slices = {grpc::Slice(small), grpc::Slice(large),
                                       grpc::Slice(small)};
    large_bytes = slices[1].begin();
    grpc::ByteBuffer buffer(slices.data(), slices.size());
    absl::StatusOr<absl::Cord> got = CordFromByteBuffer(buffer);
    ASSERT_TRUE(got.ok()) << got.status();
    cord = *std::move(got);
  }  // the buffer and the slices' owners are gone; the Cord keeps the bytes
  EXPECT_EQ(std::string(cord), small + large + small);
  // The large slice is referenced, not copied: one chunk is its bytes.
  bool shared = false;
  for (absl::string_view chunk : cord.Chunks()) {
    shared |= chunk.data() == large_bytes && chunk.size() == large.size();
  }
  EXPECT_TRUE(shared);
}

}  // namespace
}  // namespace lipsync::server

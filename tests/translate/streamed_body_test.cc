// The streamed create body must be byte-identical to BuildCreateTaskBody (the
// reference) whatever sizes libcurl asks for.
#include "service/common/streamed_body.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "gtest/gtest.h"
#include "service/common/base64.h"
#include "service/translate/create_body.h"
#include "tests/support/cord_pieces.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::testing::CordInPieces;

std::string Bytes(std::size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

// Reads the whole body the way libcurl does: sequential reads of `chunk`.
std::string ReadInChunks(const StreamedBody& body, std::size_t chunk) {
  std::string out;
  std::vector<char> buffer(chunk + 1, '\x7f');
  uint64_t offset = 0;
  for (;;) {
    const std::size_t n = body.ReadAt(offset, buffer.data(), chunk);
    EXPECT_LE(n, chunk);
    EXPECT_EQ(buffer[chunk], '\x7f') << "wrote past the buffer";
    if (n == 0) break;
    out.append(buffer.data(), n);
    offset += n;
  }
  return out;
}

// Chunk sizes: all of 1..520 (every residue mod 3 and 4, many times), then
// odd and prime sizes up to 70000 and libcurl's 64 KiB neighbours.
std::vector<std::size_t> ChunkSizes() {
  std::vector<std::size_t> sizes;
  for (std::size_t c = 1; c <= 520; ++c) sizes.push_back(c);
  for (std::size_t c = 521; c <= 70000; c += 1009) sizes.push_back(c);
  for (std::size_t c : {4093u, 16381u, 65535u, 65536u, 65537u, 69999u, 70000u})
    sizes.push_back(c);
  return sizes;
}

v1::CreateLipSyncTaskRequest Request(const std::vector<std::size_t>& audio) {
  v1::CreateLipSyncTaskRequest request;
  request.set_session_id("825465778199224380");
  for (std::size_t i = 0; i < audio.size(); ++i) {
    v1::FaceChoose* face = request.add_face_choose();
    face->set_face_id(std::to_string(i));
    face->set_sound_file_bytes(Bytes(audio[i], static_cast<uint32_t>(i + 7)));
    face->set_sound_start_time(0);
    face->set_sound_end_time(5000);
    face->set_sound_insert_time(1000);
    face->set_sound_volume(0.5);
    face->set_original_audio_volume(1.0);
  }
  request.set_callback_url("https://example.com/cb?a=\"b\"");
  request.mutable_watermark_info()->set_enabled(true);
  return request;
}

TEST(StreamedBodyTest, Base64PieceMatchesTheEncoderForEverySplit) {
  for (std::size_t raw_size :
       {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 13u, 14u, 15u, 100u, 1001u}) {
    const std::string raw = Bytes(raw_size, static_cast<uint32_t>(raw_size));
    StreamedBody body;
    body.AppendText("{\"a\":\"");
    body.AppendBase64Of(raw);
    body.AppendText("\"}");
    const std::string expected = "{\"a\":\"" + Base64Encode(raw) + "\"}";
    ASSERT_EQ(body.size(), expected.size());
    EXPECT_EQ(body.ToString(), expected);
    for (std::size_t chunk = 1; chunk <= expected.size() + 1; ++chunk) {
      ASSERT_EQ(ReadInChunks(body, chunk), expected)
          << "raw " << raw_size << " chunk " << chunk;
    }
    // Any window at any offset (a rewind may restart anywhere).
    for (std::size_t at = 0; at <= expected.size(); ++at) {
      for (std::size_t n = 0; n <= 9 && at + n <= expected.size() + 2; ++n) {
        std::string got(n, '\0');
        got.resize(body.ReadAt(at, got.data(), n));
        ASSERT_EQ(got, expected.substr(at, n)) << "at " << at << " n " << n;
      }
    }
  }
}

TEST(StreamedBodyTest, Base64OfAudioInPiecesIsTheBase64OfTheWhole) {
  // Pieces of every length mod 3 (groups straddle 1, 2 or 3 pieces), and
  // audio sizes around the 64-byte line below which a Cord is encoded at
  // once.
  for (std::size_t raw_size :
       {0u, 1u, 2u, 5u, 63u, 64u, 65u, 66u, 200u, 1001u, 20000u}) {
    const std::string raw = Bytes(raw_size, static_cast<uint32_t>(raw_size));
    const std::string expected = "[\"" + Base64Encode(raw) + "\"]";
    for (std::size_t piece : {1u, 2u, 3u, 4u, 5u, 7u, 64u, 100u, 16384u}) {
      StreamedBody body;
      body.AppendText("[\"");
      body.AppendBase64Of(CordInPieces(raw, piece));
      body.AppendText("\"]");
      ASSERT_EQ(body.size(), expected.size());
      for (std::size_t chunk : {1u, 2u, 3u, 4u, 5u, 999u, 65536u}) {
        ASSERT_EQ(ReadInChunks(body, chunk), expected)
            << "raw " << raw_size << " piece " << piece << " chunk " << chunk;
      }
      // Reads that start anywhere (a rewind may restart anywhere).
      for (std::size_t at = 0; at < expected.size(); at += 7) {
        std::string got(11, '\0');
        got.resize(body.ReadAt(at, got.data(), got.size()));
        ASSERT_EQ(got, expected.substr(at, 11)) << "at " << at;
      }
    }
  }
}

TEST(StreamedBodyTest, BodyKeepsTheAudioAlive) {
  const std::string raw = Bytes(3000, 1);
  StreamedBody body;
  {
    // Bytes owned by the Cord's releaser alone, as gRPC's slices are; the
    // Cord goes away and the body must still hold them (ASan checks).
    auto owner = std::make_unique<std::string>(raw);
    const absl::string_view bytes(*owner);
    body.AppendBase64Of(absl::MakeCordFromExternal(
        bytes, [owner = std::move(owner)](absl::string_view) {}));
  }
  EXPECT_EQ(body.ToString(), Base64Encode(raw));
}

TEST(StreamedBodyTest, CreateWithAudioInPiecesIsTheReferenceBody) {
  const v1::CreateLipSyncTaskRequest with_audio = Request({100000});
  v1::CreateLipSyncTaskRequest without_audio = with_audio;
  without_audio.mutable_face_choose(0)->clear_sound_file_bytes();
  const std::string& audio = with_audio.face_choose(0).sound_file_bytes();
  const std::string expected = BuildCreateTaskBody(with_audio, "k-1");
  for (std::size_t piece : {1000u, 16375u, 65536u}) {
    const CreateRequest request(without_audio, {CordInPieces(audio, piece)});
    EXPECT_EQ(BuildCreateTaskBody(request, "k-1"), expected) << piece;
    EXPECT_EQ(ReadInChunks(StreamCreateTaskBody(request, "k-1"), 65536),
              expected)
        << piece;
  }
}

TEST(StreamedBodyTest, CreateBodyIsIdenticalToTheReferenceForAllChunkSizes) {
  // Several faces whose audio sizes cover every remainder mod 3, one empty.
  for (const std::vector<std::size_t>& audio :
       std::vector<std::vector<std::size_t>>{
           {}, {1}, {2}, {3}, {0, 4, 5}, {1000, 1001, 1002, 0}, {70001}}) {
    v1::CreateLipSyncTaskRequest request = Request(audio);
    for (absl::string_view key :
         {absl::string_view(), absl::string_view("k-1")}) {
      const std::string expected = BuildCreateTaskBody(request, key);
      const StreamedBody body = StreamCreateTaskBody(request, key);
      ASSERT_EQ(body.size(), expected.size());
      for (std::size_t chunk : ChunkSizes()) {
        ASSERT_EQ(ReadInChunks(body, chunk), expected)
            << "faces " << audio.size() << " chunk " << chunk;
      }
    }
  }
}

TEST(StreamedBodyTest, EveryChunkSizeUpToTheWholeMultiFaceBody) {
  // Past the body's size every chunk size reads it in one call.
  const v1::CreateLipSyncTaskRequest request = Request({1000, 1001, 1002, 0});
  const std::string expected = BuildCreateTaskBody(request, "k-1");
  const StreamedBody body = StreamCreateTaskBody(request, "k-1");
  for (std::size_t chunk = 1; chunk <= expected.size() + 1; ++chunk) {
    ASSERT_EQ(ReadInChunks(body, chunk), expected) << chunk;
  }
}

TEST(StreamedBodyTest, SoundFileTextWinsLikeInTheReference) {
  v1::CreateLipSyncTaskRequest request = Request({10});
  request.mutable_face_choose(0)->set_sound_file("QUJD");
  request.set_external_task_id("mine");
  EXPECT_EQ(StreamCreateTaskBody(request, "key").ToString(),
            BuildCreateTaskBody(request, "key"));
}

TEST(StreamedBodyTest, FiveMebibyteAudioInLibcurlSizedReads) {
  const v1::CreateLipSyncTaskRequest request = Request({5u << 20});
  const std::string expected = BuildCreateTaskBody(request);
  const StreamedBody body = StreamCreateTaskBody(request);
  ASSERT_EQ(body.size(), expected.size());
  for (std::size_t chunk : {4093u, 65536u, 69999u}) {
    ASSERT_EQ(ReadInChunks(body, chunk), expected) << chunk;
  }
}

// A create without inline audio is literal text only: the transport sends
// it as it is (SingleText), and it must be the reference body exactly.
TEST(StreamedBodyTest, CreateWithoutInlineAudioIsOneLiteralText) {
  v1::CreateLipSyncTaskRequest request = Request({});
  request.mutable_face_choose()->Add()->set_audio_id("audio-1");
  const StreamedBody body = StreamCreateTaskBody(request, "key");
  ASSERT_TRUE(body.SingleText().has_value());
  EXPECT_EQ(*body.SingleText(), BuildCreateTaskBody(request, "key"));
}

TEST(StreamedBodyTest, BodyWithBase64IsNotOneLiteralText) {
  EXPECT_FALSE(StreamCreateTaskBody(Request({100})).SingleText().has_value());
  StreamedBody empty;
  ASSERT_TRUE(empty.SingleText().has_value());
  EXPECT_TRUE(empty.SingleText()->empty());
  EXPECT_NE(empty.SingleText()->data(), nullptr);  // libcurl: null = no body
}

}  // namespace
}  // namespace lipsync::translate

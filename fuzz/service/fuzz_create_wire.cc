// libFuzzer: arbitrary bytes, cut into pieces (as gRPC's slices), through the
// edge's own CreateLipSyncTask parse (service/server/create_request_wire.h).
// Aborts unless the result is protobuf's own parse of the same bytes, the
// audio sniffed in pieces gets the verdict of the same bytes flat, and the
// streamed body is byte-identical to the reference body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/audio/audio_sniffer.h"
#include "service/server/create_request_wire.h"
#include "service/translate/create_body.h"
#include "service/validation/audio_content_rules.h"
#include "service/validation/create_request_validator.h"
#include "tests/support/cord_pieces.h"

namespace {

namespace v1 = ::kling::lipsync::v1;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size; the rest is the message.
  const std::size_t piece = 1 + data[0] % 64;
  const std::string wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  const absl::Cord cord = lipsync::testing::CordInPieces(wire, piece);

  v1::CreateLipSyncTaskRequest expected;
  const bool protobuf_ok = expected.ParseFromString(wire);
  auto got = lipsync::server::ReceivedCreateRequest::Parse(cord);
  Check(got.ok() == protobuf_ok);
  if (!protobuf_ok) return 0;
  const lipsync::CreateRequest& request = (*got)->request();
  Check(request.message().face_choose_size() == expected.face_choose_size());
  for (int i = 0; i < expected.face_choose_size(); ++i) {
    const std::string& audio = expected.face_choose(i).sound_file_bytes();
    Check(std::string(request.sound_file_bytes(i)) == audio);
    const auto flat = lipsync::audio::SniffAudio(absl::string_view(audio));
    const auto pieces = lipsync::audio::SniffAudio(request.sound_file_bytes(i));
    Check(flat.status() == pieces.status());
    if (flat.ok()) Check(flat->duration_ms == pieces->duration_ms);
  }
  const std::string reference =
      lipsync::translate::BuildCreateTaskBody(expected, "k");
  if ((*got)->audio_left_in_place()) {
    for (auto& face : *expected.mutable_face_choose()) {
      face.clear_sound_file_bytes();
    }
  }
  Check(request.message().SerializeAsString() == expected.SerializeAsString());
  lipsync::validation::ValidateCreateRequest(request);
  lipsync::validation::ValidateAudioContent(request);
  Check(lipsync::translate::StreamCreateTaskBody(request, "k").ToString() ==
        reference);
  return 0;
}

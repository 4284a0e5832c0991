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
  absl::Cord cord;
  for (std::size_t at = 0; at < wire.size(); at += piece) {
    cord.Append(absl::MakeCordFromExternal(
        absl::string_view(wire).substr(at, piece), [] {}));
  }

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
  lipsync::validation::ValidateCreateRequest(request);
  lipsync::validation::ValidateAudioContent(request);
  Check(lipsync::translate::StreamCreateTaskBody(request, "k").ToString() ==
        lipsync::translate::BuildCreateTaskBody(expected, "k"));
  return 0;
}

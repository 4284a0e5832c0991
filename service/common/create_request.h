// A create request as the gateway carries it below the gRPC edge: the
// message, and each face's `sound_file_bytes` as an absl::Cord.
//
// Why not the message alone: protobuf 3.21 parses a bytes field by copying
// it out of gRPC's received slices into a std::string (5 MB, ~1-1.7 ms of
// CPU per call, 16-18% of S2's profile). The edge parses CreateLipSyncTask
// itself instead (server/create_request_wire.h): the message gets every
// other field, and the audio stays in gRPC's slices, which the Cords here
// reference (and keep alive). Everything below the edge reads the audio
// through sound_file_bytes(i), never through the message.
#ifndef LIPSYNC_SERVICE_COMMON_CREATE_REQUEST_H_
#define LIPSYNC_SERVICE_COMMON_CREATE_REQUEST_H_

#include <cstddef>
#include <vector>

#include "absl/strings/cord.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync {

// Cheap to copy (a pointer and reference-counted Cords). The message is not
// owned: it must outlive every copy (the UpstreamClient contract: until the
// call's `done` runs). Immutable, so safe to read from any thread.
class CreateRequest {
 public:
  // A message that carries its audio itself (callers below the edge,
  // tests): the Cords view the message's own `sound_file_bytes`, no copy.
  // Implicit, so that such a message is a CreateRequest as it stands.
  // NOLINTNEXTLINE(google-explicit-constructor)
  CreateRequest(const kling::lipsync::v1::CreateLipSyncTaskRequest& message);
  // A message parsed without its audio: `sound_file_bytes[i]` belongs to
  // face_choose[i] (one per face; the message's own field is ignored).
  CreateRequest(const kling::lipsync::v1::CreateLipSyncTaskRequest& message,
                std::vector<absl::Cord> sound_file_bytes);

  const kling::lipsync::v1::CreateLipSyncTaskRequest& message() const {
    return *message_;
  }
  // The `sound_file_bytes` of face_choose[face]; empty when not set.
  const absl::Cord& sound_file_bytes(int face) const {
    return sound_file_bytes_[static_cast<std::size_t>(face)];
  }
  // Inline audio of every face, `sound_file` text and `sound_file_bytes`
  // (what admission control counts as audio bytes in flight).
  std::size_t inline_audio_bytes() const;

 private:
  const kling::lipsync::v1::CreateLipSyncTaskRequest* message_;
  std::vector<absl::Cord> sound_file_bytes_;
};

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_CREATE_REQUEST_H_

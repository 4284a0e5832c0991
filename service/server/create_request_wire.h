// CreateLipSyncTask's request parsed at the gRPC edge without copying the
// audio: every field but `face_choose[].sound_file_bytes` goes to a protobuf
// message, and each face's audio stays in gRPC's received slices, held as an
// absl::Cord (see common/create_request.h for why).
//
// How: the wire bytes are walked once (only `face_choose` (2) and, inside
// it, `sound_file_bytes` (9) are looked into); everything else, and each
// face without its audio, goes into a "skeleton" that protobuf parses as
// usual (small values copied, large ones such as a Base64 `sound_file`
// shared with the input, so protobuf's parse is their only copy). The result
// equals protobuf's own parse of the whole message, unknown fields and "last
// value wins" included (tested against it). Input the walk does not understand
// (groups, malformed bytes) goes to protobuf whole, so protobuf stays the judge
// of what is valid.
#ifndef LIPSYNC_SERVICE_SERVER_CREATE_REQUEST_WIRE_H_
#define LIPSYNC_SERVICE_SERVER_CREATE_REQUEST_WIRE_H_

#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/create_request.h"

namespace lipsync::server {

// The bytes of a received message as a Cord whose chunks are gRPC's slices
// (referenced, kept alive by the Cord; not copied; slices under 256 bytes,
// which gRPC may keep inside the slice object, are copied). INTERNAL when
// gRPC cannot hand them over (a compressed message it cannot inflate).
absl::StatusOr<absl::Cord> CordFromByteBuffer(const grpc::ByteBuffer& buffer);

// Owns the parsed message and the audio; request() views both. Not movable
// (the view points into it): held by pointer for the call's lifetime.
class ReceivedCreateRequest {
 public:
  // INVALID_ARGUMENT when `wire` is not a CreateLipSyncTaskRequest.
  static absl::StatusOr<std::unique_ptr<ReceivedCreateRequest>> Parse(
      const absl::Cord& wire);

  ReceivedCreateRequest(const ReceivedCreateRequest&) = delete;
  ReceivedCreateRequest& operator=(const ReceivedCreateRequest&) = delete;

  const CreateRequest& request() const { return *request_; }
  // True when the audio was left in place (false: the input went to
  // protobuf whole, audio included). For tests.
  bool audio_left_in_place() const { return audio_left_in_place_; }

 private:
  ReceivedCreateRequest() = default;

  kling::lipsync::v1::CreateLipSyncTaskRequest message_;
  std::optional<CreateRequest> request_;
  bool audio_left_in_place_ = false;
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_CREATE_REQUEST_WIRE_H_

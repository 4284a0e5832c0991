#include "service/common/create_request.h"

#include <utility>

namespace lipsync {

CreateRequest::CreateRequest(
    const kling::lipsync::v1::CreateLipSyncTaskRequest& message)
    : message_(&message) {
  sound_file_bytes_.reserve(
      static_cast<std::size_t>(message.face_choose_size()));
  for (const auto& face : message.face_choose()) {
    // External: the Cord references the message's bytes instead of copying
    // them (a Cord from a string_view would copy).
    sound_file_bytes_.push_back(
        absl::MakeCordFromExternal(face.sound_file_bytes(), [] {}));
  }
}

CreateRequest::CreateRequest(
    const kling::lipsync::v1::CreateLipSyncTaskRequest& message,
    std::vector<absl::Cord> sound_file_bytes)
    : message_(&message), sound_file_bytes_(std::move(sound_file_bytes)) {
  // One Cord per face, whatever the caller passed: an index that the
  // message has is always valid.
  sound_file_bytes_.resize(
      static_cast<std::size_t>(message.face_choose_size()));
}

std::size_t CreateRequest::inline_audio_bytes() const {
  std::size_t bytes = 0;
  for (int i = 0; i < message_->face_choose_size(); ++i) {
    bytes += message_->face_choose(i).sound_file().size() +
             sound_file_bytes(i).size();
  }
  return bytes;
}

}  // namespace lipsync

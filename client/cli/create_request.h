// Turning the create flags into a CreateLipSyncTaskRequest (`create` and
// `run` share it).
#ifndef LIPSYNC_CLIENT_CLI_CREATE_REQUEST_H_
#define LIPSYNC_CLIENT_CLI_CREATE_REQUEST_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client::cli {

enum class AudioSource {
  kFile,  // --audio_file: a local file ("-": stdin), sent as sound_file_bytes
  kId,    // --audio_id
  kUrl,   // --audio_url: sent as sound_file
};

struct CreateArgs {
  std::string session_id;
  std::string face_id;
  AudioSource audio_source = AudioSource::kFile;
  // The path, id or URL, per audio_source.
  std::string audio;
  int64_t sound_start_time = 0;
  int64_t sound_end_time = 0;
  // Unset: 0 for `create`, the face's start_time for `run`.
  std::optional<int64_t> sound_insert_time;
  double sound_volume = 1.0;
  double original_audio_volume = 1.0;
  std::string external_task_id;
  std::string callback_url;
  bool watermark = false;
  // The idempotency key given with --request_id; "" when none was.
  std::string request_id;
};

// Reads the create flags. With `with_session_and_face` (for `create`),
// --session_id and --face_id are required; `run` finds them itself. Only
// what the CLI needs to build a request is checked here (presence, one
// audio source); the gateway checks the rules and names each bad field.
// Errors: INVALID_ARGUMENT with a one-line usage message.
absl::StatusOr<CreateArgs> ReadCreateArgs(bool with_session_and_face);

// The request for `args`; reads --audio_file (ReadFileBytes errors, limit
// 5 MiB; INVALID_ARGUMENT when it is empty). sound_insert_time is set only
// when given. request_id is args.request_id (see ChooseRequestId).
absl::StatusOr<kling::lipsync::v1::CreateLipSyncTaskRequest> BuildCreateRequest(
    const CreateArgs& args);

// `given`, or when empty a new random UUID, announced on stderr with how to
// re-send the same create without paying twice:
//   request_id K (to retry without creating a second task: <retry_command>
//   --request_id=K)
std::string ChooseRequestId(absl::string_view given,
                            absl::string_view retry_command);

// After a failed create whose outcome is unknown (the request may have
// reached the gateway: UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN,
// INTERNAL), prints to stderr how to retry it safely with `request_id`.
void PrintCreateRetryHint(const absl::Status& status,
                          absl::string_view request_id);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_CREATE_REQUEST_H_

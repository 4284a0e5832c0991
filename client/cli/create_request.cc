#include "client/cli/create_request.h"

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "client/cli/flags.h"
#include "client/file_bytes.h"
#include "client/request_id.h"

namespace lipsync::client::cli {

namespace v1 = ::kling::lipsync::v1;

absl::StatusOr<CreateArgs> ReadCreateArgs(bool with_session_and_face) {
  CreateArgs args;
  if (with_session_and_face) {
    args.session_id = absl::GetFlag(FLAGS_session_id);
    args.face_id = absl::GetFlag(FLAGS_face_id);
    if (args.session_id.empty()) {
      return absl::InvalidArgumentError(
          "--session_id is required (the session_id printed by identify)");
    }
    if (args.face_id.empty()) {
      return absl::InvalidArgumentError(
          "--face_id is required (a face_id printed by identify)");
    }
  }

  const std::string file = absl::GetFlag(FLAGS_audio_file);
  const std::string id = absl::GetFlag(FLAGS_audio_id);
  const std::string url = absl::GetFlag(FLAGS_audio_url);
  const int sources = !file.empty() + !id.empty() + !url.empty();
  if (sources != 1) {
    return absl::InvalidArgumentError(
        sources == 0
            ? "give the audio with one of --audio_file, --audio_id, --audio_url"
            : "give only one of --audio_file, --audio_id, --audio_url");
  }
  if (!file.empty()) {
    args.audio_source = AudioSource::kFile;
    args.audio = file;
  } else if (!id.empty()) {
    args.audio_source = AudioSource::kId;
    args.audio = id;
  } else {
    args.audio_source = AudioSource::kUrl;
    args.audio = url;
  }

  const std::optional<int64_t> end = absl::GetFlag(FLAGS_sound_end_time);
  if (!end) {
    return absl::InvalidArgumentError(
        "--sound_end_time is required: where to stop in the audio, in ms "
        "(at most its duration, at least --sound_start_time + 2000)");
  }
  args.sound_end_time = *end;
  args.sound_start_time = absl::GetFlag(FLAGS_sound_start_time);
  args.sound_insert_time = absl::GetFlag(FLAGS_sound_insert_time);
  args.sound_volume = absl::GetFlag(FLAGS_sound_volume);
  args.original_audio_volume = absl::GetFlag(FLAGS_original_audio_volume);
  args.external_task_id = absl::GetFlag(FLAGS_external_task_id);
  args.callback_url = absl::GetFlag(FLAGS_callback_url);
  args.watermark = absl::GetFlag(FLAGS_watermark);
  args.request_id = absl::GetFlag(FLAGS_request_id);
  return args;
}

absl::StatusOr<v1::CreateLipSyncTaskRequest> BuildCreateRequest(
    const CreateArgs& args) {
  v1::CreateLipSyncTaskRequest request;
  request.set_session_id(args.session_id);
  v1::FaceChoose& face = *request.add_face_choose();
  face.set_face_id(args.face_id);
  switch (args.audio_source) {
    case AudioSource::kFile: {
      // "-" is stdin, so that audio can be piped in (e.g. from a TTS tool).
      auto bytes = ReadFileBytes(args.audio == "-" ? "/dev/stdin" : args.audio,
                                 kMaxAudioFileBytes);
      if (!bytes.ok()) return bytes.status();
      // Empty bytes would read as "no audio" to the gateway.
      if (bytes->empty()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("audio file %s is empty", args.audio));
      }
      face.set_sound_file_bytes(*std::move(bytes));
      break;
    }
    case AudioSource::kId:
      face.set_audio_id(args.audio);
      break;
    case AudioSource::kUrl:
      face.set_sound_file(args.audio);
      break;
  }
  face.set_sound_start_time(args.sound_start_time);
  face.set_sound_end_time(args.sound_end_time);
  if (args.sound_insert_time)
    face.set_sound_insert_time(*args.sound_insert_time);
  face.set_sound_volume(args.sound_volume);
  face.set_original_audio_volume(args.original_audio_volume);
  request.set_external_task_id(args.external_task_id);
  request.set_callback_url(args.callback_url);
  if (args.watermark) request.mutable_watermark_info()->set_enabled(true);
  request.set_request_id(args.request_id);
  return request;
}

std::string ChooseRequestId(absl::string_view given,
                            absl::string_view retry_command) {
  if (!given.empty()) return std::string(given);
  absl::BitGen gen;
  std::string id = NewRequestId(gen);
  absl::FPrintF(stderr,
                "request_id %s (to retry without creating a second task: %s "
                "--request_id=%s)\n",
                id, retry_command, id);
  return id;
}

void PrintCreateRetryHint(const absl::Status& status,
                          absl::string_view request_id) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
      absl::FPrintF(stderr,
                    "  the task may or may not exist now; to retry without "
                    "paying twice, re-run with the same "
                    "--request_id=%s\n",
                    request_id);
      return;
    default:
      return;
  }
}

}  // namespace lipsync::client::cli

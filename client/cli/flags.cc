// The help strings are short: `lipsync-cli help <subcommand>` (help_text.cc)
// is the documentation users read; absl only shows these in error messages.
#include "client/cli/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, target, "",
          "gateway address host:port (default $LIPSYNC_TARGET, else "
          "localhost:50051)");
ABSL_FLAG(bool, tls, false, "use TLS");
ABSL_FLAG(std::string, ca_cert, "", "PEM roots for the gateway certificate");
ABSL_FLAG(std::string, client_cert, "", "PEM client certificate (mTLS)");
ABSL_FLAG(std::string, client_key, "", "PEM client private key (mTLS)");
ABSL_FLAG(std::string, token_file, "",
          "file holding the bearer token (default: $LIPSYNC_TOKEN)");
ABSL_FLAG(std::optional<absl::Duration>, timeout, std::nullopt,
          "deadline per call (default 30s; watch: 10m)");
ABSL_FLAG(bool, json, false, "print responses as proto3 JSON, one per line");
ABSL_FLAG(std::string, trace_id, "",
          "W3C trace id (32 lower-case hex) for every call (default: new)");

ABSL_FLAG(std::string, video_id, "", "id of a Kling-generated video");
ABSL_FLAG(std::string, video_url, "", "URL of an .mp4/.mov video");
ABSL_FLAG(std::string, task_id, "", "task id");
ABSL_FLAG(std::string, external_task_id, "", "your own task id");

ABSL_FLAG(std::string, session_id, "", "session id from identify");
ABSL_FLAG(std::string, face_id, "", "face id from identify");
ABSL_FLAG(std::string, audio_file, "", "local audio file (≤ 5 MiB)");
ABSL_FLAG(std::string, audio_id, "", "id of Kling TTS audio");
ABSL_FLAG(std::string, audio_url, "", "URL of the audio");
ABSL_FLAG(int64_t, sound_start_time, 0, "audio trim start, ms");
ABSL_FLAG(std::optional<int64_t>, sound_end_time, std::nullopt,
          "audio trim end, ms (required)");
ABSL_FLAG(std::optional<int64_t>, sound_insert_time, std::nullopt,
          "where the audio starts in the video, ms");
ABSL_FLAG(double, sound_volume, 1.0, "volume of the inserted audio, [0, 2]");
ABSL_FLAG(double, original_audio_volume, 1.0,
          "volume of the video's own audio, [0, 2]");
ABSL_FLAG(std::string, callback_url, "", "URL Kling calls on status changes");
ABSL_FLAG(bool, watermark, false, "also produce watermarked videos");
ABSL_FLAG(std::string, request_id, "",
          "idempotency key (default: a new random UUID, printed)");
ABSL_FLAG(bool, wait, false, "after creating, watch until the task ends");
ABSL_FLAG(absl::Duration, watch_timeout, absl::Minutes(10),
          "how long create --wait and run follow the task");

ABSL_FLAG(int32_t, face_index, 0, "which identified face to use");

ABSL_FLAG(int32_t, page_num, 1, "page number, from 1");
ABSL_FLAG(int32_t, page_size, 30, "tasks per page, 1 to 500");

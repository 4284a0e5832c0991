// Every flag of lipsync-cli, declared in one place (defined in flags.cc).
// Each subcommand reads the flags it owns once, in its Read*Args function,
// into a typed struct; nothing else calls absl::GetFlag.
#ifndef LIPSYNC_CLIENT_CLI_FLAGS_H_
#define LIPSYNC_CLIENT_CLI_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// Common to every subcommand.
ABSL_DECLARE_FLAG(std::string, target);
ABSL_DECLARE_FLAG(bool, tls);
ABSL_DECLARE_FLAG(std::string, ca_cert);
ABSL_DECLARE_FLAG(std::string, client_cert);
ABSL_DECLARE_FLAG(std::string, client_key);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(std::optional<absl::Duration>, timeout);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, trace_id);

// Which video / which task.
ABSL_DECLARE_FLAG(std::string, video_id);
ABSL_DECLARE_FLAG(std::string, video_url);
ABSL_DECLARE_FLAG(std::string, task_id);
ABSL_DECLARE_FLAG(std::string, external_task_id);

// Create.
ABSL_DECLARE_FLAG(std::string, session_id);
ABSL_DECLARE_FLAG(std::string, face_id);
ABSL_DECLARE_FLAG(std::string, audio_file);
ABSL_DECLARE_FLAG(std::string, audio_id);
ABSL_DECLARE_FLAG(std::string, audio_url);
ABSL_DECLARE_FLAG(int64_t, sound_start_time);
ABSL_DECLARE_FLAG(std::optional<int64_t>, sound_end_time);
ABSL_DECLARE_FLAG(std::optional<int64_t>, sound_insert_time);
ABSL_DECLARE_FLAG(double, sound_volume);
ABSL_DECLARE_FLAG(double, original_audio_volume);
ABSL_DECLARE_FLAG(std::string, callback_url);
ABSL_DECLARE_FLAG(bool, watermark);
ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(bool, wait);
ABSL_DECLARE_FLAG(absl::Duration, watch_timeout);

// Run.
ABSL_DECLARE_FLAG(int32_t, face_index);

// List.
ABSL_DECLARE_FLAG(int32_t, page_num);
ABSL_DECLARE_FLAG(int32_t, page_size);

#endif  // LIPSYNC_CLIENT_CLI_FLAGS_H_

#include "client/cli/subcommands.h"

namespace lipsync::client::cli {
namespace {

// Flags of the create call, shared by `create` and `run`.
std::vector<std::string> WithCreateFlags(std::vector<std::string> flags) {
  for (const char* name :
       {"audio_file", "audio_id", "audio_url", "sound_start_time",
        "sound_end_time", "sound_insert_time", "sound_volume",
        "original_audio_volume", "external_task_id", "callback_url",
        "watermark", "request_id", "watch_timeout"}) {
    flags.emplace_back(name);
  }
  return flags;
}

}  // namespace

const std::vector<Subcommand>& Subcommands() {
  static const auto* const kSubcommands = new std::vector<Subcommand>{
      {"identify",
       "find the faces in a video (billed)",
       {"video_id", "video_url"},
       &RunIdentify},
      {"create", "create a lip-sync task for one face (billed)",
       WithCreateFlags({"session_id", "face_id", "wait"}), &RunCreate},
      {"watch",
       "follow a task until it succeeds or fails",
       {"task_id", "external_task_id"},
       &RunWatch},
      {"get", "show one task", {"task_id", "external_task_id"}, &RunGet},
      {"list", "list tasks, newest first", {"page_num", "page_size"}, &RunList},
      {"run", "identify, create and watch in one go (billed)",
       WithCreateFlags({"video_id", "video_url", "face_index"}), &RunRun},
  };
  return *kSubcommands;
}

const Subcommand* FindSubcommand(absl::string_view name) {
  for (const Subcommand& subcommand : Subcommands()) {
    if (name == subcommand.name) return &subcommand;
  }
  return nullptr;
}

const std::vector<std::string>& CommonFlagNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "target",     "tls",     "ca_cert", "client_cert", "client_key",
      "token_file", "timeout", "json",    "trace_id"};
  return *kNames;
}

}  // namespace lipsync::client::cli

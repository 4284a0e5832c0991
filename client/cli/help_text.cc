#include "client/cli/help_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/subcommands.h"

namespace lipsync::client::cli {
namespace {

constexpr char kWorkflow[] =
    R"(lipsync-cli: lip-sync a face in a video to an audio track, through
lipsync-gateway (the Kling AI lip-sync API).

The workflow has three steps:

  1. identify: find the faces in a video (billed). Prints a session_id
     (valid 24 h) and, per face, a face_id and the interval, in ms from the
     video start, in which that face can be lip-synced.
       lipsync-cli identify --video_url=https://example.com/clip.mp4

  2. create: lip-sync one face to an audio track (billed). Prints a task_id.
     The audio (2 s to 60 s, .mp3/.wav/.m4a/.aac, at most 5 MiB) is trimmed to
     [--sound_start_time, --sound_end_time] ms and inserted into the video at
     --sound_insert_time ms, overlapping the face's interval by >= 2 s.
       lipsync-cli create --session_id=<session_id> --face_id=<face_id> \
           --audio_file=speech.mp3 --sound_end_time=5000 \
           --sound_insert_time=<the face's start ms>

  3. watch: follow the task until it succeeds (prints the video URL) or
     fails.
       lipsync-cli watch --task_id=<task_id>

  Or all three in one go (prints the result video URL):
       lipsync-cli run --video_url=https://example.com/clip.mp4 \
           --audio_file=speech.mp3 --sound_end_time=5000

)";

constexpr char kCommonFlags[] = R"(
Common flags (every subcommand):
  --target=HOST:PORT  the gateway (default $LIPSYNC_TARGET, else
                      localhost:50051)
  --tls               use TLS; --ca_cert=ROOTS.pem for a private CA;
                      --client_cert=CERT.pem --client_key=KEY.pem for mTLS
  --token_file=PATH   file holding the bearer token (default: the token
                      itself from $LIPSYNC_TOKEN)
  --timeout=30s       deadline of each call (watch: of the whole watch,
                      default 10m)
  --json              print responses as proto3 JSON, one document per line;
                      an error is one {"error":{...,"trace_id"}} document
                      on stderr
  --trace_id=HEX      the W3C trace id (32 lower-case hex) every call sends
                      in its traceparent (default: a new one per run); each
                      error names it: quote it to the gateway's operators

Exit status: 0 on success; else the gRPC status code of the failure
(3 INVALID_ARGUMENT, 4 DEADLINE_EXCEEDED, 5 NOT_FOUND, 8 RESOURCE_EXHAUSTED,
14 UNAVAILABLE, 16 UNAUTHENTICATED, ...); 64 for a bad command line; 65 when
the task ended `failed`.
)";

constexpr char kCreateFlags[] = R"(  audio, exactly one of:
  --audio_file=PATH            local file ("-": stdin), sent as bytes
                               (at most 5 MiB)
  --audio_id=ID                audio from Kling's text-to-speech
  --audio_url=URL              http(s) URL of the audio
  --sound_end_time=MS          required: where to stop in the audio
  --sound_start_time=MS        where to start in the audio (default 0)
  --sound_insert_time=MS       where the audio starts in the video
                               (create: default 0; run: the face's start)
  --sound_volume=V             inserted audio volume, 0 to 2 (default 1)
  --original_audio_volume=V    video's own audio volume, 0 to 2 (default 1)
  --external_task_id=ID        your own id for the task (unique per account)
  --callback_url=URL           Kling POSTs each status change there
  --watermark                  also produce watermarked videos
  --request_id=KEY             idempotency key; default: a new random UUID,
                               printed, so that a failed create can be
                               retried safely with the same key
  --watch_timeout=10m          how long to follow the task
)";

struct Help {
  const char* name;
  const char* usage;
  const char* body;
};

constexpr Help kHelps[] = {
    {"identify", "identify (--video_id=ID | --video_url=URL)",
     R"(Finds the faces that can be lip-synced in a video (billed upstream).
The video: .mp4/.mov, 2 s to 60 s, 720p or 1080p, at most 100 MB; or the id
of a video Kling generated in the last 30 days.

Example:
  lipsync-cli identify --video_url=https://example.com/clip.mp4
)"},
    {"create",
     "create --session_id=ID --face_id=ID (--audio_file=PATH | --audio_id=ID "
     "| --audio_url=URL) --sound_end_time=MS [flags]",
     R"(Creates a lip-sync task (billed upstream) and prints it; with --wait,
follows it to the end (progress on stderr, final task on stdout).
  --session_id=ID              from identify (valid 24 h)
  --face_id=ID                 one of the faces identify printed
  --wait                       watch until the task succeeds or fails
%s
Example:
  lipsync-cli create --session_id=1234 --face_id=0 --audio_file=speech.mp3 \
      --sound_end_time=5000 --sound_insert_time=1200 --wait
)"},
    {"watch", "watch (--task_id=ID | --external_task_id=ID)",
     R"(Follows a task until it succeeds or fails: one line per status change
with the time elapsed (on a terminal, one line updated in place); the last
line holds the result video URL. Re-opens the stream if the connection
drops. --timeout bounds the whole watch (default 10m).

Example:
  lipsync-cli watch --task_id=785541230811897944
)"},
    {"get", "get (--task_id=ID | --external_task_id=ID)",
     R"(Shows one task: status, failure reason, result video URLs.

Example:
  lipsync-cli get --external_task_id=my-order-17
)"},
    {"list", "list [--page_num=1] [--page_size=30]",
     R"(Lists tasks, newest first, one page at a time (page_size 1 to 500).

Example:
  lipsync-cli list --page_size=10
)"},
    {"run",
     "run (--video_id=ID | --video_url=URL) (--audio_file=PATH | "
     "--audio_id=ID | --audio_url=URL) --sound_end_time=MS [flags]",
     R"(The whole workflow: identify, print the faces, create the task for
face --face_index (default 0; the audio starts where that face starts
unless --sound_insert_time says otherwise), watch it, and print the
result video URL on stdout (progress on stderr).
  --face_index=N               which of the identified faces (default 0)
%s
Example:
  lipsync-cli run --video_url=https://example.com/clip.mp4 \
      --audio_file=speech.mp3 --sound_end_time=5000 > result-url.txt
)"},
};

}  // namespace

std::string OverviewHelp() {
  std::string text = kWorkflow;
  absl::StrAppend(&text, "Subcommands:\n");
  for (const Subcommand& subcommand : Subcommands()) {
    absl::StrAppend(&text, absl::StrFormat("  %-9s %s\n", subcommand.name,
                                           subcommand.summary));
  }
  absl::StrAppend(&text,
                  "  help      this text; `help <subcommand>` for its flags\n",
                  kCommonFlags);
  return text;
}

std::string SubcommandHelp(absl::string_view subcommand) {
  for (const Help& help : kHelps) {
    if (subcommand != help.name) continue;
    std::string body = help.body;
    const std::size_t slot = body.find("%s");
    if (slot != std::string::npos) body.replace(slot, 2, kCreateFlags);
    return absl::StrCat("usage: lipsync-cli ", help.usage, "\n\n", body,
                        kCommonFlags);
  }
  return "";
}

}  // namespace lipsync::client::cli

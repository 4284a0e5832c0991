// lipsync-cli run: the whole workflow, identify → create → watch, printing
// the result video URL(s) on stdout and the progress on stderr.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "client/cli/common.h"
#include "client/cli/create_request.h"
#include "client/cli/flags.h"
#include "client/cli/follow_task.h"
#include "client/cli/output.h"
#include "client/cli/selectors.h"
#include "client/cli/subcommands.h"
#include "client/printable_text.h"

namespace lipsync::client::cli {
namespace {

namespace v1 = ::kling::lipsync::v1;

// IdentifyFace is billed: after it, every failure says how to go on from
// the session instead of paying for a second identify.
void PrintSessionHint(const v1::IdentifyFaceResponse& identified,
                      absl::string_view face_id) {
  absl::FPrintF(stderr,
                "  the session stays valid for 24 h; continue without a new "
                "identify: lipsync-cli create --session_id=%s --face_id=%s "
                "...\n",
                PrintableText(identified.session_id()),
                face_id.empty() ? "<face_id>" : PrintableText(face_id));
}

}  // namespace

int RunRun(const CommonArgs& common) {
  auto identify_request = ReadVideoFlags();
  if (!identify_request.ok()) {
    return UsageError("run", identify_request.status().message());
  }
  auto args = ReadCreateArgs(/*with_session_and_face=*/false);
  if (!args.ok()) return UsageError("run", args.status().message());
  const int face_index = absl::GetFlag(FLAGS_face_index);
  if (face_index < 0) return UsageError("run", "--face_index must be >= 0");
  const absl::Duration watch_timeout = absl::GetFlag(FLAGS_watch_timeout);
  if (watch_timeout <= absl::ZeroDuration()) {
    return UsageError("run", "--watch_timeout must be positive, e.g. 10m");
  }
  // Everything that can fail locally fails before the billed identify.
  auto request = BuildCreateRequest(*args);
  if (!request.ok()) return ReportError(common, request.status());
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  auto identified =
      (*client)->IdentifyFace(*identify_request, common.CallTimeout());
  if (!identified.ok()) return ReportError(common, identified.status());
  if (common.json) {
    PrintJson(stdout, *identified);
  } else {
    absl::FPrintF(stderr, "session %s: %d face(s)\n",
                  PrintableText(identified->session_id()),
                  identified->face_data_size());
    PrintFaces(stderr, *identified);
  }
  if (identified->face_data_size() == 0) {
    return ReportError(
        common, absl::NotFoundError("no face can be lip-synced in this video"));
  }
  if (face_index >= identified->face_data_size()) {
    const int code = UsageError(
        "run", absl::StrFormat("--face_index=%d, but the video has %d face(s)",
                               face_index, identified->face_data_size()));
    PrintSessionHint(*identified, "");
    return code;
  }

  const v1::FaceData& face = identified->face_data(face_index);
  request->set_session_id(identified->session_id());
  v1::FaceChoose& choice = *request->mutable_face_choose(0);
  choice.set_face_id(face.face_id());
  // By default the audio starts where the face does.
  if (!choice.has_sound_insert_time()) {
    choice.set_sound_insert_time(face.start_time());
  }
  if (!common.json) {
    absl::FPrintF(stderr, "using face [%d] (face_id %s), audio at %s\n",
                  face_index, PrintableText(face.face_id()),
                  FormatMillis(choice.sound_insert_time()));
  }

  // Re-running `run` would pay for a second identify: retry the create.
  request->set_request_id(ChooseRequestId(
      args->request_id,
      absl::StrFormat("lipsync-cli create --session_id=%s --face_id=%s "
                      "--sound_insert_time=%d <the same audio flags>",
                      PrintableText(identified->session_id()),
                      PrintableText(face.face_id()),
                      choice.sound_insert_time())));
  auto task = (*client)->CreateLipSyncTask(*request, common.CallTimeout());
  if (!task.ok()) {
    const int code = ReportError(common, task.status());
    PrintCreateRetryHint(task.status(), request->request_id());
    PrintSessionHint(*identified, face.face_id());
    return code;
  }
  v1::LipSyncTask final_task;
  const int code =
      FollowCreatedTask(common, **client, *task, watch_timeout, &final_task);
  if (code == 0 && !common.json) {
    for (const v1::ResultVideo& video : final_task.task_result().videos()) {
      absl::PrintF("%s\n", PrintableText(video.url()));
    }
  }
  return code;
}

}  // namespace lipsync::client::cli

// lipsync-cli identify: IdentifyFace, then how to go on with create.
#include <cstdio>

#include "absl/strings/str_format.h"
#include "client/cli/common.h"
#include "client/cli/output.h"
#include "client/cli/selectors.h"
#include "client/cli/subcommands.h"
#include "client/printable_text.h"

namespace lipsync::client::cli {

int RunIdentify(const CommonArgs& common) {
  auto request = ReadVideoFlags();
  if (!request.ok()) return UsageError("identify", request.status().message());
  auto client = Connect(common);
  if (!client.ok()) return ReportError(common, client.status());

  auto response = (*client)->IdentifyFace(*request, common.CallTimeout());
  if (!response.ok()) return ReportError(common, response.status());
  if (common.json) {
    PrintJson(stdout, *response);
    return 0;
  }
  PrintIdentifyResponse(stdout, *response);
  if (response->face_data_size() > 0) {
    const auto& face = response->face_data(0);
    absl::PrintF(
        "next: lipsync-cli create --session_id=%s --face_id=%s "
        "--audio_file=speech.mp3 --sound_end_time=<ms> "
        "--sound_insert_time=%d --wait\n",
        PrintableText(response->session_id()), PrintableText(face.face_id()),
        face.start_time());
  } else {
    absl::PrintF("no face can be lip-synced in this video\n");
  }
  return 0;
}

}  // namespace lipsync::client::cli

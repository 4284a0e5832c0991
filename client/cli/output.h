// How lipsync-cli prints responses: human-readable text, or proto3 JSON with
// --json. Every server string passes through PrintableText.
#ifndef LIPSYNC_CLIENT_CLI_OUTPUT_H_
#define LIPSYNC_CLIENT_CLI_OUTPUT_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client::cli {

// `message` as proto3 JSON on one line, proto field names (as in Kling's own
// JSON), e.g. {"task_id":"1","task_status":"TASK_STATUS_SUCCEED"}.
std::string ToJsonLine(const google::protobuf::Message& message);
// Writes ToJsonLine(message) and a newline to `out`.
void PrintJson(std::FILE* out, const google::protobuf::Message& message);

// "2024-05-01 12:00:00 UTC" for Unix epoch milliseconds; "-" for 0.
std::string FormatEpochMillis(int64_t ms);
// Milliseconds as seconds with 3 decimals: 1250 → "1.250s".
std::string FormatMillis(int64_t ms);
// A stopwatch reading: "4.2s", "2m05s", "1h02m".
std::string FormatElapsed(absl::Duration elapsed);

// The faces of an IdentifyFace answer, numbered for --face_index:
//   [0] face_id 7  0.000s - 5.200s  https://…/face.png
void PrintFaces(std::FILE* out,
                const kling::lipsync::v1::IdentifyFaceResponse& response);
// The whole IdentifyFace answer: session id, faces, units charged.
void PrintIdentifyResponse(
    std::FILE* out, const kling::lipsync::v1::IdentifyFaceResponse& response);
// One task, one "label: value" line per set field.
void PrintTask(std::FILE* out, const kling::lipsync::v1::LipSyncTask& task);
// A table: task id, status, creation time, external task id.
void PrintTaskList(
    std::FILE* out,
    const kling::lipsync::v1::ListLipSyncTasksResponse& response);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_OUTPUT_H_

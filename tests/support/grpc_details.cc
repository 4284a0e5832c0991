#include "tests/support/grpc_details.h"

#include <google/protobuf/util/json_util.h>

#include <cstdlib>

namespace lipsync::testing {

std::set<std::string> ViolatedFields(const grpc::Status& status) {
  std::set<std::string> fields;
  if (auto bad = FindDetail<google::rpc::BadRequest>(status)) {
    for (const auto& v : bad->field_violations()) fields.insert(v.field());
  }
  return fields;
}

const char* SeedRequestJson() {
  return R"json({
    "session_id": "825465778199224380",
    "face_choose": [
        {
            "face_id": "-1",
            "audio_id": "825451760499568680",
            "sound_file": "",
            "sound_start_time": 0,
            "sound_end_time": 5000,
            "sound_insert_time": 1000,
            "sound_volume": 1.0,
            "original_audio_volume": 1.0
        }
    ],
    "external_task_id": "",
    "callback_url": ""
})json";
}

kling::lipsync::v1::CreateLipSyncTaskRequest SeedRequest() {
  kling::lipsync::v1::CreateLipSyncTaskRequest request;
  auto status =
      google::protobuf::util::JsonStringToMessage(SeedRequestJson(), &request);
  if (!status.ok()) std::abort();
  return request;
}

}  // namespace lipsync::testing

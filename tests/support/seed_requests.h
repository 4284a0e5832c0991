// The create request of the upstream's seed page (seed-advanced-lip-sync.txt):
// valid under every rule of the gateway and of kling-sim. Tests that need a
// valid create start from it and break or change one field.
#ifndef LIPSYNC_TESTS_SUPPORT_SEED_REQUESTS_H_
#define LIPSYNC_TESTS_SUPPORT_SEED_REQUESTS_H_

#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::testing {

// The seed page's request example, verbatim: the upstream's JSON body
// (audio_id source, face_id "-1", sound 0..5000 ms inserted at 1000 ms).
inline constexpr char kSeedRequestJson[] = R"json({
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

// kSeedRequestJson as the gateway's request (proto3 JSON mapping). Aborts
// the test binary if the text stops parsing.
kling::lipsync::v1::CreateLipSyncTaskRequest SeedRequest();

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_SEED_REQUESTS_H_

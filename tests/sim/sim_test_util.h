#ifndef LIPSYNC_TESTS_SIM_SIM_TEST_UTIL_H_
#define LIPSYNC_TESTS_SIM_SIM_TEST_UTIL_H_

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "nlohmann/json.hpp"

namespace kling_sim_test {

inline constexpr char kApiKey[] = "sim-key";
inline constexpr char kCreatePath[] = "/v1/videos/advanced-lip-sync";
inline constexpr char kIdentifyPath[] = "/v1/videos/identify-face";

inline httplib::Headers Auth(const std::string& token = kApiKey) {
  return {{"Authorization", "Bearer " + token}};
}

// The request example of the seed page, verbatim.
inline constexpr char kSeedExample[] = R"({
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
})";

inline nlohmann::json SeedJson() { return nlohmann::json::parse(kSeedExample); }

// The seed example with an external_task_id.
inline std::string CreateBody(const std::string& external_task_id) {
  nlohmann::json body = SeedJson();
  body["external_task_id"] = external_task_id;
  return body.dump();
}

// The body of `result` as JSON (discarded value if absent or not JSON).
inline nlohmann::json BodyOf(const httplib::Result& result) {
  if (!result) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(result->body, nullptr, false);
}

// Polls `done` every 10 ms until it holds or `deadline` passes.
inline bool PollUntil(std::chrono::milliseconds deadline,
                      const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace kling_sim_test

#endif  // LIPSYNC_TESTS_SIM_SIM_TEST_UTIL_H_

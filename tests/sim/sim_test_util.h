#ifndef LIPSYNC_TESTS_SIM_SIM_TEST_UTIL_H_
#define LIPSYNC_TESTS_SIM_SIM_TEST_UTIL_H_

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "nlohmann/json.hpp"
#include "tests/support/seed_requests.h"

namespace kling_sim_test {

inline constexpr char kApiKey[] = "sim-key";
inline constexpr char kCreatePath[] = "/v1/videos/advanced-lip-sync";
inline constexpr char kIdentifyPath[] = "/v1/videos/identify-face";

inline httplib::Headers Auth(const std::string& token = kApiKey) {
  return {{"Authorization", "Bearer " + token}};
}

// The seed page's request example, verbatim (tests/support/seed_requests.h).
using ::lipsync::testing::kSeedRequestJson;

inline nlohmann::json SeedJson() {
  return nlohmann::json::parse(kSeedRequestJson);
}

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

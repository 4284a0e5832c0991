#ifndef LIPSYNC_TESTS_SIM_SIM_FIXTURE_H_
#define LIPSYNC_TESTS_SIM_SIM_FIXTURE_H_

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/sim/sim_process.h"
#include "tests/sim/sim_test_util.h"

namespace kling_sim_test {

// Runs a fresh kling-sim per test, with a fast task timeline unless the test
// restarts it with other flags.
class SimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A sim that closes a socket mid-answer must not kill the test.
    signal(SIGPIPE, SIG_IGN);
  }

  void SetUp() override {
    Restart({"--processing_after_ms=100", "--finish_after_ms=300"});
  }

  void Restart(const std::vector<std::string>& args) {
    client_.reset();
    sim_.reset();
    sim_ = SimProcess::Start(args);
    ASSERT_NE(sim_, nullptr);
    client_ = sim_->NewClient();
  }

  httplib::Client& client() { return *client_; }

  httplib::Result Create(const std::string& body) {
    return client().Post(kCreatePath, Auth(), body, "application/json");
  }

  // Queues a fault through the control API.
  void AddFault(const nlohmann::json& spec) {
    auto result =
        client().Post("/_sim/faults", spec.dump(), "application/json");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
  }

  size_t TaskCount() {
    auto result = client().Get("/_sim/stats");
    return result ? BodyOf(result).value("tasks", size_t{0}) : 0;
  }

  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace kling_sim_test

#endif  // LIPSYNC_TESTS_SIM_SIM_FIXTURE_H_

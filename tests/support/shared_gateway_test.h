// A gtest fixture for a suite whose tests share one kling-sim and one
// lipsync-gateway (GatewayHarness with default options): started before the
// suite's first test, stopped after its last. Each test starts with the
// sim's request record cleared. Derive the suite's fixture from it.
#ifndef LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_
#define LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {

class SharedGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    harness_ = new GatewayHarness();
    absl::Status started = harness_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() {
    delete harness_;
    harness_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(harness_, nullptr);
    harness_->ClearSimRequests();
  }

  // The sim's path of the lip-sync tasks (create, list; "/<id>" for one).
  static constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";

  // Creates the seed task through the gateway (`*created`), then clears the
  // sim's record. Check with ASSERT_NO_FATAL_FAILURE.
  void CreateSeedTask(kling::lipsync::v1::LipSyncTask* created) {
    auto context = ContextWithTimeout(absl::Seconds(10));
    const grpc::Status status = harness_->stub().CreateLipSyncTask(
        context.get(), SeedRequest(), created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    harness_->ClearSimRequests();
  }

  // Makes the sim answer the next GET of task `task_id` with HTTP 503, Kling
  // code 5001 (a read the gateway retries). Returns the task's sim path.
  std::string FailNextReadOf(const std::string& task_id) {
    const std::string path = absl::StrCat(kLipSyncPath, "/", task_id);
    harness_->AddSimFault({{"path_prefix", path},
                           {"method", "GET"},
                           {"fault", "error"},
                           {"http_status", 503},
                           {"code", 5001}});
    return path;
  }

  // The running suite's harness (suites run one after another: each gets a
  // gateway of its own).
  inline static GatewayHarness* harness_ = nullptr;
};

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_

// A gtest fixture for a suite whose tests share one kling-sim and one
// lipsync-gateway (GatewayHarness with default options): started before the
// suite's first test, stopped after its last. Each test starts with the
// sim's request record cleared. Derive the suite's fixture from it.
#ifndef LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_
#define LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

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

  // The running suite's harness (suites run one after another: each gets a
  // gateway of its own).
  inline static GatewayHarness* harness_ = nullptr;
};

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_SHARED_GATEWAY_TEST_H_

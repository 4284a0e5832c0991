// kling-sim's injected faults, seen from a real HTTP client: what arrives and
// whether the request took effect.

#include <string>

#include "gtest/gtest.h"
#include "tests/sim/sim_fixture.h"

namespace kling_sim_test {
namespace {

using nlohmann::json;

using FaultTest = SimTest;

TEST_F(FaultTest, ErrorAppliesBeforeTheCreate) {
  AddFault({{"fault", "error"},
            {"method", "POST"},
            {"path_prefix", kCreatePath},
            {"http_status", 503},
            {"code", 5001},
            {"message", "try later"}});
  auto result = Create(kSeedRequestJson);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  const json body = BodyOf(result);
  EXPECT_EQ(body["code"], 5001);
  EXPECT_EQ(body["message"], "try later");
  EXPECT_EQ(TaskCount(), 0u);  // nothing was created

  auto next = Create(kSeedRequestJson);  // count defaults to 1
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(FaultTest, RateLimitSends429With1302AndRetryAfter) {
  AddFault({{"fault", "rate_limit"}, {"retry_after_s", 3}, {"count", 2}});
  for (int i = 0; i < 2; ++i) {
    auto result = Create(kSeedRequestJson);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 429);
    EXPECT_EQ(result->get_header_value("Retry-After"), "3");
    EXPECT_EQ(BodyOf(result)["code"], 1302);
  }
  EXPECT_EQ(TaskCount(), 0u);
  auto after = Create(kSeedRequestJson);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(FaultTest, EmptyObjectAppliesAfterTheCreate) {
  AddFault({{"fault", "empty_object"}});
  auto result = Create(CreateBody("paid-once"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "{}");
  EXPECT_EQ(TaskCount(), 1u);  // the paid call went through
  auto query = client().Get(std::string(kCreatePath) + "/paid-once", Auth());
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 200);
}

TEST_F(FaultTest, ResetCutsTheAnswerButTheTaskExists) {
  AddFault({{"fault", "reset"}, {"path_prefix", kCreatePath}});
  auto result = Create(CreateBody("reset-me"));
  EXPECT_FALSE(result);  // the connection closed mid-body
  auto fresh = sim_->NewClient();
  auto query = fresh->Get(std::string(kCreatePath) + "/reset-me", Auth());
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 200) << query->body;
}

TEST_F(FaultTest, FaultsMatchMethodAndPathInOrder) {
  AddFault({{"fault", "code_in_200"}, {"method", "GET"}, {"code", 5000}});
  AddFault({{"fault", "empty_body"}});
  auto post = Create(kSeedRequestJson);  // skips the GET-only fault
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, "");
  auto get = client().Get(kCreatePath, Auth());
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(BodyOf(get)["code"], 5000);

  // Cleared faults no longer apply.
  AddFault({{"fault", "error"}});
  ASSERT_TRUE(client().Delete("/_sim/faults"));
  auto clean = client().Get(kCreatePath, Auth());
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->status, 200);
}

TEST_F(FaultTest, TruncatedAndMalformedJsonAreCompleteHttpButNotJson) {
  for (const char* kind : {"truncated_json", "malformed_json"}) {
    SCOPED_TRACE(kind);
    AddFault({{"fault", kind}});
    auto result = client().Get(kCreatePath, Auth());
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_FALSE(result->body.empty());
    EXPECT_TRUE(BodyOf(result).is_discarded()) << result->body;
  }
}

TEST_F(FaultTest, HangEndsWhenTheClientGivesUp) {
  AddFault({{"fault", "hang"}});
  auto impatient = sim_->NewClient();
  impatient->set_read_timeout(0, 200 * 1000);
  EXPECT_FALSE(impatient->Get(kCreatePath, Auth()));
  // The sim keeps serving others.
  auto result = client().Get(kCreatePath, Auth());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(FaultTest, BadFaultSpecIsRefused) {
  auto result = client().Post("/_sim/faults", R"({"fault":"meteor"})",
                              "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
}

}  // namespace
}  // namespace kling_sim_test

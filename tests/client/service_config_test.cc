#include "client/service_config.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace lipsync::client {
namespace {

using json = nlohmann::json;

constexpr char kService[] = "kling.lipsync.v1.LipSyncService";

json Parse() {
  return json::parse(kServiceConfigJson, /*cb=*/nullptr,
                     /*allow_exceptions=*/false);
}

// Every method a methodConfig with a retryPolicy applies to. A name without
// "method" applies to the whole service, so it is reported as "*".
std::set<std::string> RetriedMethods(const json& config) {
  std::set<std::string> methods;
  for (const json& method_config : config["methodConfig"]) {
    if (!method_config.contains("retryPolicy")) continue;
    for (const json& name : method_config["name"]) {
      methods.insert(name.contains("method") ? name["method"].get<std::string>()
                                             : std::string("*"));
    }
  }
  return methods;
}

TEST(ServiceConfigTest, IsValidJson) {
  const json config = Parse();
  ASSERT_FALSE(config.is_discarded());
  ASSERT_TRUE(config.contains("methodConfig"));
  EXPECT_TRUE(config["methodConfig"].is_array());
}

TEST(ServiceConfigTest, EveryNameIsAMethodOfTheService) {
  for (const json& method_config : Parse()["methodConfig"]) {
    for (const json& name : method_config["name"]) {
      EXPECT_EQ(name.value("service", ""), kService);
      EXPECT_TRUE(name.contains("method"))
          << "a service-wide name would also retry the billed calls";
    }
  }
}

TEST(ServiceConfigTest, RetriesOnlyTheReads) {
  EXPECT_EQ(RetriedMethods(Parse()),
            (std::set<std::string>{"GetLipSyncTask", "ListLipSyncTasks"}));
}

TEST(ServiceConfigTest, NeverRetriesBilledCallsOrTheStream) {
  const std::set<std::string> retried = RetriedMethods(Parse());
  for (const char* method :
       {"CreateLipSyncTask", "IdentifyFace", "WatchLipSyncTask", "*"}) {
    EXPECT_EQ(retried.count(method), 0u) << method;
  }
}

TEST(ServiceConfigTest, ReadRetryPolicyIsThePublishedOne) {
  const json config = Parse();
  const json& policy = config["methodConfig"][0]["retryPolicy"];
  EXPECT_EQ(policy["maxAttempts"], 3);
  EXPECT_EQ(policy["initialBackoff"], "0.2s");
  EXPECT_EQ(policy["maxBackoff"], "2s");
  EXPECT_EQ(policy["backoffMultiplier"], 2);
  EXPECT_EQ(policy["retryableStatusCodes"], json::array({"UNAVAILABLE"}));
}

}  // namespace
}  // namespace lipsync::client

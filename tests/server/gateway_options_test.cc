// ValidateGatewayOptions: defaults pass once credentials exist; every bad
// setting is named in one message.
#include "service/server/gateway_options.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace lipsync::server {
namespace {

TEST(GatewayOptionsTest, DefaultsWithAnApiKeyAreValid) {
  GatewayOptions options;
  options.api_key = "k";
  EXPECT_TRUE(ValidateGatewayOptions(options).ok());
}

TEST(GatewayOptionsTest, NoCredentialsAreNamed) {
  GatewayOptions options;
  absl::Status status = ValidateGatewayOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "no upstream credentials"));
}

TEST(GatewayOptionsTest, EveryBadSettingIsNamedInOneMessage) {
  GatewayOptions options;
  options.api_key = "k";
  options.listen = "nohostport";
  options.metrics_listen = "9090";
  options.health_listen = "8086";
  options.upstream_base_url = "http://example.com/";
  options.curl.io_threads = 0;
  options.retry.max_attempts = 0;
  options.service.max_call_timeout = absl::Seconds(1);
  const std::string message(ValidateGatewayOptions(options).message());
  for (const char* named :
       {"--listen", "--metrics_listen", "--health_listen",
        "--allow_insecure_upstream", "must not end with '/'", "--io_threads",
        "--retry_max_attempts", "--max_timeout"}) {
    EXPECT_TRUE(absl::StrContains(message, named)) << named << ": " << message;
  }
}

}  // namespace
}  // namespace lipsync::server

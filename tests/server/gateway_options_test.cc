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

TEST(GatewayOptionsTest, RedisUrlWithCredentialsIsRefusedWithoutQuotingThem) {
  GatewayOptions options;
  options.api_key = "k";
  options.shared_state.redis_url = "redis://app:hunter2-secret@redis:6379/0";
  const absl::Status status = ValidateGatewayOptions(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "--redis_url"))
      << status.message();
  EXPECT_TRUE(absl::StrContains(status.message(), "LIPSYNC_REDIS_PASSWORD"))
      << status.message();
  EXPECT_FALSE(absl::StrContains(status.message(), "hunter2"));
}

TEST(GatewayOptionsTest, RedisSettingsAreCheckedOnlyWhenAUrlIsGiven) {
  GatewayOptions options;
  options.api_key = "k";
  options.shared_state.op_timeout = absl::ZeroDuration();
  options.shared_state.key_prefix = "";
  EXPECT_TRUE(ValidateGatewayOptions(options).ok());
  options.shared_state.redis_url = "redis://127.0.0.1:6379/2";
  const std::string message(ValidateGatewayOptions(options).message());
  EXPECT_TRUE(absl::StrContains(message, "--redis_op_timeout")) << message;
  EXPECT_TRUE(absl::StrContains(message, "--redis_key_prefix")) << message;
  options.shared_state.op_timeout = absl::Milliseconds(50);
  options.shared_state.key_prefix = "lipsync:";
  EXPECT_TRUE(ValidateGatewayOptions(options).ok());
}

}  // namespace
}  // namespace lipsync::server

#include "client/channel.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "client/bearer_token.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteTemp(const std::string& content) {
  char path[] = "/tmp/lipsync_channel_XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << content;
  return path;
}

TEST(LoadBearerTokenTest, NoneGivenIsEmpty) {
  auto token = LoadBearerToken(ChannelOptions{});
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "");
}

TEST(LoadBearerTokenTest, ReadsTheFileWithoutTheTrailingNewline) {
  ChannelOptions options;
  options.token_file = WriteTemp("  s3cr3t.token-value\n");
  auto token = LoadBearerToken(options);
  std::remove(options.token_file.c_str());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "s3cr3t.token-value");
}

TEST(LoadBearerTokenTest, RefusesTokenAndFileTogether) {
  ChannelOptions options;
  options.bearer_token = "a";
  options.token_file = "/nonexistent";
  EXPECT_EQ(LoadBearerToken(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoadBearerTokenTest, RefusesTokensThatBreakTheHeaderWithoutEchoingThem) {
  ChannelOptions options;
  options.bearer_token = "top secret\r\nx-evil: 1";
  auto token = LoadBearerToken(options);
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), Not(HasSubstr("secret")));
}

TEST(LoadBearerTokenTest, EmptyFileIsRefused) {
  ChannelOptions options;
  options.token_file = WriteTemp("\n");
  auto token = LoadBearerToken(options);
  std::remove(options.token_file.c_str());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr("is empty"));
}

TEST(LoadBearerTokenTest, MissingFileIsNotFound) {
  ChannelOptions options;
  options.token_file = "/nonexistent/token";
  EXPECT_EQ(LoadBearerToken(options).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BearerTokenTest, AuthorizationValue) {
  EXPECT_EQ(BearerAuthorizationValue("abc"), "Bearer abc");
}

TEST(MakeChannelTest, PlaintextChannelBuilds) {
  ChannelOptions options;
  options.target = "127.0.0.1:1";
  options.bearer_token = "t";
  auto channel = MakeChannel(options);
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_NE(*channel, nullptr);
}

TEST(MakeChannelTest, TlsChannelWithTokenBuilds) {
  ChannelOptions options;
  options.use_tls = true;
  options.bearer_token = "t";
  auto channel = MakeChannel(options);
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_NE(*channel, nullptr);
}

struct BadOptionsCase {
  const char* name;
  ChannelOptions options;
  absl::StatusCode code;
  const char* message;
};

ChannelOptions With(void (*edit)(ChannelOptions&)) {
  ChannelOptions options;
  edit(options);
  return options;
}

class MakeChannelRefusesTest : public ::testing::TestWithParam<BadOptionsCase> {
};

TEST_P(MakeChannelRefusesTest, WithAClearMessage) {
  auto channel = MakeChannel(GetParam().options);
  EXPECT_EQ(channel.status().code(), GetParam().code);
  EXPECT_THAT(channel.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Options, MakeChannelRefusesTest,
    ::testing::Values(
        BadOptionsCase{"EmptyTarget",
                       With([](ChannelOptions& o) { o.target = ""; }),
                       absl::StatusCode::kInvalidArgument, "target is empty"},
        BadOptionsCase{"SpaceInTarget",
                       With([](ChannelOptions& o) { o.target = "a b:1"; }),
                       absl::StatusCode::kInvalidArgument, "spaces"},
        BadOptionsCase{"CaWithoutTls",
                       With([](ChannelOptions& o) { o.ca_cert_file = "ca"; }),
                       absl::StatusCode::kInvalidArgument, "need TLS"},
        BadOptionsCase{"CertWithoutKey", With([](ChannelOptions& o) {
                         o.use_tls = true;
                         o.client_cert_file = "cert.pem";
                       }),
                       absl::StatusCode::kInvalidArgument, "private key"},
        BadOptionsCase{"MissingCaFile", With([](ChannelOptions& o) {
                         o.use_tls = true;
                         o.ca_cert_file = "/nonexistent/ca.pem";
                       }),
                       absl::StatusCode::kNotFound, "/nonexistent/ca.pem"},
        BadOptionsCase{
            "ZeroSendLimit",
            With([](ChannelOptions& o) { o.max_send_message_bytes = 0; }),
            absl::StatusCode::kInvalidArgument, "max_send_message_bytes"},
        BadOptionsCase{"HugeSendLimit", With([](ChannelOptions& o) {
                         o.max_send_message_bytes = int64_t{1} << 40;
                       }),
                       absl::StatusCode::kInvalidArgument,
                       "max_send_message_bytes"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(MakeChannelArgumentsTest, DefaultSendLimitFitsAFiveMebibyteAudio) {
  EXPECT_GT(ChannelOptions{}.max_send_message_bytes, 5 * 1024 * 1024 + 4096);
}

}  // namespace
}  // namespace lipsync::client

#include "service/sharedstate/redis_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lipsync::sharedstate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseRedisUrlTest, ReadsHostPortAndDb) {
  absl::StatusOr<RedisEndpoint> e = ParseRedisUrl("redis://redis.svc:6380/3");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "redis.svc");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 3);
  EXPECT_TRUE(e->unix_path.empty());
  EXPECT_EQ(e->ToString(), "redis.svc:6380/3");
}

TEST(ParseRedisUrlTest, DefaultsPortAndDb) {
  absl::StatusOr<RedisEndpoint> e = ParseRedisUrl("redis://10.0.0.7");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 0);
  e = ParseRedisUrl("redis://10.0.0.7:7000/");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->port, 7000);
  EXPECT_EQ(e->db, 0);
}

TEST(ParseRedisUrlTest, ReadsBracketedIpv6) {
  absl::StatusOr<RedisEndpoint> e = ParseRedisUrl("redis://[::1]:6390/1");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 6390);
  EXPECT_EQ(e->ToString(), "[::1]:6390/1");
}

TEST(ParseRedisUrlTest, ReadsUnixSocket) {
  absl::StatusOr<RedisEndpoint> e = ParseRedisUrl("unix:///run/redis.sock");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->unix_path, "/run/redis.sock");
  EXPECT_EQ(e->db, 0);
  e = ParseRedisUrl("unix:///run/redis.sock?db=2");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->db, 2);
}

TEST(ParseRedisUrlTest, RejectsCredentialsWithoutQuotingThem) {
  for (const char* url :
       {"redis://user:s3cr3t-pw@host:6379", "redis://:s3cr3t-pw@host:6379/0"}) {
    absl::StatusOr<RedisEndpoint> e = ParseRedisUrl(url);
    ASSERT_FALSE(e.ok()) << url;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(e.status().message(), HasSubstr("credentials"));
    EXPECT_THAT(e.status().message(), HasSubstr("--redis_password_file"));
    EXPECT_THAT(e.status().message(), Not(HasSubstr("s3cr3t")));
  }
}

TEST(ParseRedisUrlTest, RejectsMalformedUrls) {
  for (const char* url :
       {"", "host:6379", "rediss://host:6379", "http://host", "redis://",
        "redis://:6379", "redis://host:0", "redis://host:65536",
        "redis://host:port", "redis://host:6379/x", "redis://host:6379/-1",
        "redis://[::1", "redis://[::1]x", "unix://relative.sock", "unix://",
        "unix:///run/redis.sock?database=2"}) {
    absl::StatusOr<RedisEndpoint> e = ParseRedisUrl(url);
    EXPECT_FALSE(e.ok()) << url;
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << url;
      EXPECT_THAT(e.status().message(), HasSubstr("--redis_url")) << url;
    }
  }
}

}  // namespace
}  // namespace lipsync::sharedstate

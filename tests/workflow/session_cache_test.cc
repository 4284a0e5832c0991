#include "service/workflow/session_cache.h"

#include "gtest/gtest.h"

namespace lipsync::workflow {
namespace {

class SessionCacheTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  SessionCache::Clock clock_ = [this] { return now_; };
};

TEST_F(SessionCacheTest, RemembersFacesUntilTtl) {
  SessionCache cache({/*max_sessions=*/10, /*ttl=*/absl::Hours(24)}, clock_);
  cache.Remember("s1", {{"f1", 0, 5000}});
  auto faces = cache.Lookup("s1");
  ASSERT_TRUE(faces.has_value());
  EXPECT_EQ((*faces)[0].face_id, "f1");
  now_ += absl::Hours(24);
  EXPECT_FALSE(cache.Lookup("s1").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(SessionCacheTest, UnknownSessionIsNotFound) {
  SessionCache cache({10, absl::Hours(1)}, clock_);
  EXPECT_FALSE(cache.Lookup("nope").has_value());
}

TEST_F(SessionCacheTest, EvictsLeastRecentlyUsedBeyondCapacity) {
  SessionCache cache({2, absl::Hours(1)}, clock_);
  cache.Remember("a", {});
  cache.Remember("b", {});
  ASSERT_TRUE(cache.Lookup("a").has_value());  // a is now the most recent
  cache.Remember("c", {});
  EXPECT_TRUE(cache.Lookup("a").has_value());
  EXPECT_FALSE(cache.Lookup("b").has_value());
  EXPECT_TRUE(cache.Lookup("c").has_value());
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(SessionCacheTest, ZeroCapacityRemembersNothing) {
  SessionCache cache({0, absl::Hours(1)}, clock_);
  cache.Remember("a", {});
  EXPECT_FALSE(cache.Lookup("a").has_value());
}

}  // namespace
}  // namespace lipsync::workflow

#include "client/request_id.h"

#include <random>
#include <set>
#include <string>

#include "absl/random/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::client {
namespace {

using ::testing::MatchesRegex;

TEST(NewRequestIdTest, IsAVersion4Uuid) {
  absl::BitGen gen;
  for (int i = 0; i < 100; ++i) {
    EXPECT_THAT(
        NewRequestId(gen),
        MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]"
                     "{3}-[0-9a-f]{12}"));
  }
}

TEST(NewRequestIdTest, FitsTheGatewayAlphabetAndLength) {
  absl::BitGen gen;
  const std::string id = NewRequestId(gen);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_LE(id.size(), 128u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef-"), std::string::npos);
}

TEST(NewRequestIdTest, DiffersEachTime) {
  absl::BitGen gen;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRequestId(gen));
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(NewRequestIdTest, IsDeterministicForASeededGenerator) {
  std::mt19937_64 a(42);
  std::mt19937_64 b(42);
  EXPECT_EQ(NewRequestId(a), NewRequestId(b));
}

}  // namespace
}  // namespace lipsync::client

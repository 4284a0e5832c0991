#include "service/security/caller_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/security/temp_dir.h"
#include "tests/translate/status_testing.h"

namespace lipsync::security {
namespace {

using ::lipsync::translate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using testing_util::TempDir;

constexpr char kAlice[] = "alice-token-0123456789";
constexpr char kBob[] = "bob-token-abcdefghijkl";
constexpr char kAnon[] = "anonymous-token-zzzzzz";

std::unique_ptr<TokenAuthenticator> FromText(const std::string& text) {
  absl::StatusOr<std::vector<CallerToken>> tokens = ParseTokenFile(text);
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  return std::make_unique<TokenAuthenticator>(*std::move(tokens));
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

TEST(ParseTokenFileTest, ReadsNamesCommentsAndBlankLines) {
  auto auth = FromText(std::string("# callers of the gateway\n\n") +
                       "alice:" + kAlice + "\n  \t\n" + kAnon + "\r\n" +
                       "  # indented comment\n bob : " + kBob + " \n");
  EXPECT_EQ(auth->token_count(), 3u);
  EXPECT_THAT(auth->Authenticate(Bearer(kAlice)),
              Optional(std::string("alice")));
  EXPECT_THAT(auth->Authenticate(Bearer(kBob)), Optional(std::string("bob")));
  // Unnamed tokens are numbered by their position among the tokens.
  EXPECT_THAT(auth->Authenticate(Bearer(kAnon)),
              Optional(std::string("token-2")));
}

TEST(ParseTokenFileTest, SplitsAtTheFirstColon) {
  auto auth = FromText("svc:part1:part2-0123456789");
  EXPECT_THAT(auth->Authenticate("Bearer part1:part2-0123456789"),
              Optional(std::string("svc")));
}

struct BadFile {
  const char* name;
  std::string content;
  int line;
};

class ParseTokenFileErrorTest : public ::testing::TestWithParam<BadFile> {};

TEST_P(ParseTokenFileErrorTest, NamesTheLineNeverTheToken) {
  const BadFile& bad = GetParam();
  absl::StatusOr<std::vector<CallerToken>> tokens = ParseTokenFile(bad.content);
  EXPECT_THAT(tokens, StatusIs(absl::StatusCode::kInvalidArgument));
  if (bad.line > 0) {
    EXPECT_THAT(tokens.status().message(),
                HasSubstr("line " + std::to_string(bad.line) + ":"));
  }
  EXPECT_THAT(tokens.status().message(), Not(HasSubstr("s3cret")));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ParseTokenFileErrorTest,
    ::testing::Values(
        BadFile{"Empty", "", 0}, BadFile{"OnlyComments", "# a\n\n# b\n", 0},
        BadFile{"ShortToken", "# x\ns3cret\n", 2},
        BadFile{"ShortNamedToken", "a:s3cret-short\n", 1},
        BadFile{"EmptyName", ":s3cret-0123456789abc\n", 1},
        BadFile{"BadName", "al ice:s3cret-0123456789abc\n", 1},
        BadFile{"NameWithSlash", "a/b:s3cret-0123456789abc\n", 1},
        BadFile{"TokenWithSpace", "a:s3cret-0123 456789abc\n", 1},
        BadFile{"Duplicate", "a:s3cret-0123456789abc\nb:s3cret-0123456789abc\n",
                2}),
    [](const ::testing::TestParamInfo<BadFile>& info) {
      return info.param.name;
    });

TEST(TokenAuthenticatorTest, AcceptsOnlyTheExactBearerToken) {
  auto auth = FromText(std::string("alice:") + kAlice);
  EXPECT_THAT(auth->Authenticate(Bearer(kAlice)),
              Optional(std::string("alice")));
  EXPECT_THAT(auth->Authenticate(std::string("bearer ") + kAlice),
              Optional(std::string("alice")));
  EXPECT_THAT(auth->Authenticate(std::string("BEARER   ") + kAlice + " "),
              Optional(std::string("alice")));

  const std::string alice = kAlice;
  for (const std::string& value : std::vector<std::string>{
           "", "Bearer", "Bearer ", alice, "Basic " + alice, "Bearer" + alice,
           "Bearer " + alice + "x",
           "Bearer " + alice.substr(0, alice.size() - 1), "Bearer x" + alice,
           "Bearer " + alice + " extra", "Bearer " + std::string(kBob)}) {
    EXPECT_EQ(auth->Authenticate(value), std::nullopt) << value;
  }
}

TEST(TokenAuthenticatorTest, NeverReturnsTheToken) {
  auto auth = FromText(kAnon);
  std::optional<std::string> who = auth->Authenticate(Bearer(kAnon));
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(*who, "token-1");
}

TEST(TokenAuthenticatorTest, FromFileReportsThePathOnError) {
  TempDir dir;
  const std::string path = dir.Write("tokens", "short\n");
  auto auth = TokenAuthenticator::FromFile(path);
  EXPECT_THAT(auth, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(auth.status().message(), HasSubstr(path));
  EXPECT_THAT(TokenAuthenticator::FromFile(dir.File("none")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TokenAuthenticatorTest, ReloadSwapsTheTokenSet) {
  TempDir dir;
  const std::string path = dir.Write("tokens", std::string("alice:") + kAlice);
  auto auth = TokenAuthenticator::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE((*auth)->Authenticate(Bearer(kAlice)).has_value());
  EXPECT_FALSE((*auth)->Authenticate(Bearer(kBob)).has_value());

  dir.Write("tokens", std::string("bob:") + kBob + "\n");
  ASSERT_TRUE((*auth)->Reload().ok());
  EXPECT_FALSE((*auth)->Authenticate(Bearer(kAlice)).has_value());
  EXPECT_THAT((*auth)->Authenticate(Bearer(kBob)),
              Optional(std::string("bob")));
}

TEST(TokenAuthenticatorTest, FailedReloadKeepsTheOldSet) {
  TempDir dir;
  const std::string path = dir.Write("tokens", std::string("alice:") + kAlice);
  auto auth = TokenAuthenticator::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status();

  dir.Write("tokens", "# all commented out\n");
  EXPECT_THAT((*auth)->Reload(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT((*auth)->Authenticate(Bearer(kAlice)),
              Optional(std::string("alice")));
}

TEST(TokenAuthenticatorTest, ReloadNeedsAFile) {
  TokenAuthenticator auth(*ParseTokenFile(kAlice));
  EXPECT_THAT(auth.Reload(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Run under TSan: readers never see a torn set while a writer reloads.
TEST(TokenAuthenticatorTest, AuthenticatesWhileReloading) {
  TempDir dir;
  const std::string path = dir.Write(
      "tokens", std::string("alice:") + kAlice + "\nbob:" + kBob + "\n");
  auto auth = TokenAuthenticator::FromFile(path);
  ASSERT_TRUE(auth.ok()) << auth.status();
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if ((*auth)->Authenticate(Bearer(kAlice)) != "alice") ++failures;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    dir.Write("tokens", std::string("alice:") + kAlice + "\n" +
                            (i % 2 == 0 ? std::string("carol:") + kBob
                                        : std::string("bob:") + kBob));
    ASSERT_TRUE((*auth)->Reload().ok());
  }
  stop.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace lipsync::security

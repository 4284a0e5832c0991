#include "service/security/secret_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include "tests/security/temp_dir.h"
#include "tests/translate/status_testing.h"

namespace lipsync::security {
namespace {

using ::lipsync::translate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::TempDir;

TEST(ReadSecretFileTest, TrimsTrailingWhitespaceOnly) {
  TempDir dir;
  const std::string path = dir.Write("key", "  s3cr3t value \t\r\n\n");
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, "  s3cr3t value");
}

TEST(ReadSecretFileTest, ReadsAFileWithoutNewline) {
  TempDir dir;
  absl::StatusOr<std::string> secret = ReadSecretFile(dir.Write("k", "abc"));
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, "abc");
}

TEST(ReadSecretFileTest, RefusesAnEmptyOrBlankFile) {
  TempDir dir;
  for (const char* content : {"", "\n", " \r\n\t\n"}) {
    const std::string path = dir.Write("blank", content);
    absl::StatusOr<std::string> secret = ReadSecretFile(path);
    EXPECT_THAT(secret, StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(secret.status().message(), HasSubstr(path));
    EXPECT_THAT(secret.status().message(), HasSubstr("empty"));
  }
}

TEST(ReadSecretFileTest, RefusesAFileOverTheCapWithoutQuotingIt) {
  TempDir dir;
  const std::string path =
      dir.Write("big", std::string(kMaxSecretFileBytes + 1, 'Q'));
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  EXPECT_THAT(secret, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(secret.status().message(), HasSubstr(path));
  // Eight: the temp dir's random suffix (in the path, which the message
  // names) is six characters and may hold a "QQ" of its own.
  EXPECT_THAT(secret.status().message(), Not(HasSubstr("QQQQQQQQ")));
}

TEST(ReadSecretFileTest, AcceptsAFileExactlyAtTheCap) {
  TempDir dir;
  const std::string path =
      dir.Write("max", std::string(kMaxSecretFileBytes, 'k'));
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->size(), kMaxSecretFileBytes);
}

TEST(ReadSecretFileTest, RefusesADirectory) {
  TempDir dir;
  absl::StatusOr<std::string> secret = ReadSecretFile(dir.path());
  EXPECT_THAT(secret, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(secret.status().message(), HasSubstr(dir.path()));
  EXPECT_THAT(secret.status().message(), HasSubstr("not a regular file"));
}

TEST(ReadSecretFileTest, RefusesAFifoWithoutBlocking) {
  TempDir dir;
  const std::string path = dir.File("fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  EXPECT_THAT(ReadSecretFile(path),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ReadSecretFileTest, NamesAMissingPath) {
  TempDir dir;
  const std::string path = dir.File("absent");
  absl::StatusOr<std::string> secret = ReadSecretFile(path);
  EXPECT_THAT(secret, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(secret.status().message(), HasSubstr(path));
}

TEST(ReadSecretFileTest, ReportsAnUnreadableFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  const std::string path = dir.Write("locked", "secret");
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  EXPECT_THAT(ReadSecretFile(path),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(ReadBoundedFileTest, UsesItsOwnCapAndNoun) {
  TempDir dir;
  const std::string path = dir.Write("cert", "0123456789");
  absl::StatusOr<std::string> text = ReadBoundedFile(path, 9, "certificate");
  EXPECT_THAT(text, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(text.status().message(), HasSubstr("certificate " + path));
  EXPECT_TRUE(ReadBoundedFile(path, 10, "certificate").ok());
}

}  // namespace
}  // namespace lipsync::security

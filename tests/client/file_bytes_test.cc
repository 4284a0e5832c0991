#include "client/file_bytes.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::client {
namespace {

using ::testing::HasSubstr;

class FileBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/lipsync_file_bytes_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& path : created_) std::remove(path.c_str());
    ::rmdir(dir_.c_str());
  }

  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    created_.push_back(path);
    return path;
  }

  std::string dir_;
  std::vector<std::string> created_;
};

TEST_F(FileBytesTest, TheAudioLimitIsFiveMebibytes) {
  EXPECT_EQ(kMaxAudioFileBytes, 5u * 1024 * 1024);
}

TEST_F(FileBytesTest, ReadsTheWholeFile) {
  const std::string content("RIFF\0\x01\x02 binary", 14);
  auto bytes = ReadFileBytes(Write("a.wav", content), 100);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, content);
}

TEST_F(FileBytesTest, AcceptsExactlyTheLimit) {
  auto bytes =
      ReadFileBytes(Write("max.mp3", std::string(kMaxAudioFileBytes, 'x')),
                    kMaxAudioFileBytes);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), kMaxAudioFileBytes);
}

TEST_F(FileBytesTest, RefusesOneByteOverTheLimit) {
  const std::string path =
      Write("big.mp3", std::string(kMaxAudioFileBytes + 1, 'x'));
  auto bytes = ReadFileBytes(path, kMaxAudioFileBytes);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bytes.status().message(), HasSubstr(path));
  EXPECT_THAT(bytes.status().message(), HasSubstr("5242881 bytes"));
  EXPECT_THAT(bytes.status().message(), HasSubstr("at most 5242880 bytes"));
}

TEST_F(FileBytesTest, RefusesAHugeFileByItsSize) {
  // Sparse: 4 GiB on paper, nothing on disk; reading it would take seconds.
  const std::string path = Write("huge.mov", "");
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, int64_t{4} << 30), 0);
  ::close(fd);
  auto bytes = ReadFileBytes(path, kMaxAudioFileBytes);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bytes.status().message(), HasSubstr("4294967296 bytes"));
}

TEST_F(FileBytesTest, StopsReadingAnEndlessStreamPastTheLimit) {
  auto bytes = ReadFileBytes("/dev/zero", 1000);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bytes.status().message(), HasSubstr("more than 1000"));
}

TEST_F(FileBytesTest, MissingFileIsNotFound) {
  auto bytes = ReadFileBytes(dir_ + "/absent.mp3", 100);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(bytes.status().message(), HasSubstr("absent.mp3"));
}

TEST_F(FileBytesTest, DirectoryIsInvalid) {
  auto bytes = ReadFileBytes(dir_, 100);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bytes.status().message(), HasSubstr("is a directory"));
}

TEST_F(FileBytesTest, EmptyFileIsEmpty) {
  auto bytes = ReadFileBytes(Write("empty", ""), 100);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(bytes->empty());
}

}  // namespace
}  // namespace lipsync::client

#include "client/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace lipsync::client {
namespace {

// Closes the descriptor on every return path.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;
  ~FileCloser() { ::close(fd_); }

 private:
  int fd_;
};

absl::Status ErrnoError(int error_number, const std::string& what,
                        const std::string& path) {
  return absl::ErrnoToStatus(error_number,
                             absl::StrCat("cannot ", what, " ", path));
}

absl::Status TooLarge(const std::string& path, std::size_t max_bytes,
                      const std::string& size) {
  return absl::InvalidArgumentError(absl::StrCat(path, " is ", size,
                                                 " bytes; at most ", max_bytes,
                                                 " bytes are accepted"));
}

}  // namespace

absl::StatusOr<std::string> ReadFileBytes(const std::string& path,
                                          std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open", path);
  FileCloser closer(fd);

  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError(errno, "stat", path);
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a directory"));
  }
  // A regular file is judged by its size before reading anything, so that a
  // wrong path to a 4 GB video costs nothing.
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    return TooLarge(path, max_bytes, absl::StrCat(st.st_size));
  }

  std::string bytes;
  bytes.reserve(S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size)
                                    : 64 * 1024);
  char buffer[64 * 1024];
  // Read one byte past the cap at most: enough to know the file is too large.
  while (bytes.size() <= max_bytes) {
    const std::size_t want =
        std::min(sizeof(buffer), max_bytes + 1 - bytes.size());
    const ssize_t n = ::read(fd, buffer, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", path);
    }
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return TooLarge(path, max_bytes, absl::StrCat("more than ", max_bytes));
}

}  // namespace lipsync::client

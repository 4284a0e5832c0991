#include "service/security/secret_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lipsync::security {
namespace {

absl::Status OpenError(const std::string& path, absl::string_view what,
                       int error) {
  const std::string message =
      absl::StrCat("cannot open ", what, " ", path, ": ", strerror(error));
  if (error == ENOENT || error == ENOTDIR) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) {
    return absl::PermissionDeniedError(message);
  }
  return absl::FailedPreconditionError(message);
}

// Closes the descriptor on every return path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  const int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  return ReadBoundedFile(path, kMaxSecretFileBytes, "secret file");
}

absl::StatusOr<std::string> ReadBoundedFile(const std::string& path,
                                            std::size_t max_bytes,
                                            absl::string_view what) {
  // O_NONBLOCK: opening a FIFO by mistake must not hang startup; the fstat
  // below then refuses it.
  FileDescriptor fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return OpenError(path, what, errno);
  struct stat info;
  if (fstat(fd.get(), &info) != 0) return OpenError(path, what, errno);
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " ", path, " is not a regular file"));
  }
  const std::string too_large =
      absl::StrCat(what, " ", path, " is larger than ", max_bytes, " bytes");
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    return absl::FailedPreconditionError(too_large);
  }

  // Read up to one byte past the cap: the file may grow after fstat.
  std::string content(max_bytes + 1, '\0');
  std::size_t filled = 0;
  while (filled < content.size()) {
    const ssize_t n = read(fd.get(), &content[filled], content.size() - filled);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          absl::StrCat("cannot read ", what, " ", path, ": ", strerror(errno)));
    }
    filled += static_cast<std::size_t>(n);
  }
  if (filled > max_bytes) {
    return absl::FailedPreconditionError(too_large);
  }
  content.resize(filled);
  absl::StripTrailingAsciiWhitespace(&content);
  if (content.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " ", path, " is empty"));
  }
  return content;
}

}  // namespace lipsync::security

// Reading a local file (an audio track, a PEM file, a token) with a size cap.
#ifndef LIPSYNC_CLIENT_FILE_BYTES_H_
#define LIPSYNC_CLIENT_FILE_BYTES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace lipsync::client {

// Largest audio the gateway and the upstream accept: 5 MiB (5,242,880 bytes).
inline constexpr std::size_t kMaxAudioFileBytes = 5 * 1024 * 1024;

// Returns the whole content of the file at `path` if it holds at most
// `max_bytes` bytes. A larger file is refused without reading it whole: a
// regular file by its size, anything else (a pipe, a growing file) after
// reading max_bytes + 1 bytes. Errors (the message names the path):
//   NOT_FOUND          no such file
//   PERMISSION_DENIED  not readable
//   INVALID_ARGUMENT   a directory, or larger than max_bytes
//   other codes        other I/O errors, by errno
absl::StatusOr<std::string> ReadFileBytes(const std::string& path,
                                          std::size_t max_bytes);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_FILE_BYTES_H_

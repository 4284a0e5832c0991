// Reads secrets (API keys, JWT secret keys, caller token files) from files,
// so that they never appear on a command line or in the process list.
#ifndef LIPSYNC_SERVICE_SECURITY_SECRET_SOURCE_H_
#define LIPSYNC_SERVICE_SECURITY_SECRET_SOURCE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::security {

// Largest secret file accepted: a secret is a few hundred bytes at most, so a
// larger file is a wrong path (a log, a binary), not a secret.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

// The file's content with trailing whitespace (spaces, tabs, CR, LF)
// removed, as written by `echo` or a Kubernetes Secret volume. Errors
// (messages name the path, never any byte of the content):
//   NOT_FOUND           the path does not exist
//   PERMISSION_DENIED   it cannot be opened
//   FAILED_PRECONDITION a directory or other non-regular file, larger than
//                       kMaxSecretFileBytes, or empty once trimmed
//   INTERNAL            a read error
// Thread-safe (touches no shared state).
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// ReadSecretFile with another cap and another noun in the messages ("TLS
// certificate file", ...): for files that are public but must still be
// small and present (certificates, CA bundles).
absl::StatusOr<std::string> ReadBoundedFile(const std::string& path,
                                            std::size_t max_bytes,
                                            absl::string_view what);

}  // namespace lipsync::security

#endif  // LIPSYNC_SERVICE_SECURITY_SECRET_SOURCE_H_

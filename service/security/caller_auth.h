// Who may call the gateway: static bearer tokens from a file, compared in
// constant time, reloadable without a restart.
#ifndef LIPSYNC_SERVICE_SECURITY_CALLER_AUTH_H_
#define LIPSYNC_SERVICE_SECURITY_CALLER_AUTH_H_

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace lipsync::security {

// Shortest token accepted in a token file: a guessable token in front of a
// billed API is a configuration error, not a choice (16 random base64
// characters are 96 bits).
inline constexpr std::size_t kMinCallerTokenBytes = 16;

// One configured caller. Only a SHA-256 digest of the token is kept.
struct CallerToken {
  std::string identity;
  std::array<unsigned char, 32> token_sha256;
};

// Parses a token file. One token per line, either `token` or `name:token`
// (split at the first ':', so a token that contains ':' needs a name);
// surrounding whitespace is ignored, as are blank lines and lines starting
// with '#'. The identity is `name`, else "token-<n>" with n the 1-based
// position of the token among the file's tokens. INVALID_ARGUMENT (naming
// the line number, never its content) for: an empty name, a name outside
// [A-Za-z0-9._@-], a token shorter than kMinCallerTokenBytes or containing
// whitespace, a token listed twice, or no token at all.
absl::StatusOr<std::vector<CallerToken>> ParseTokenFile(
    absl::string_view content);

// Thread-safe: Authenticate() may run on every gRPC thread while Reload()
// swaps the token set.
class TokenAuthenticator {
 public:
  // Reads and parses `path` (ReadSecretFile, then ParseTokenFile); its
  // errors are returned as they are, prefixed with the path.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> FromFile(
      std::string path);
  // For tests and embedders: a fixed token set (Reload() then fails).
  explicit TokenAuthenticator(std::vector<CallerToken> tokens);

  TokenAuthenticator(const TokenAuthenticator&) = delete;
  TokenAuthenticator& operator=(const TokenAuthenticator&) = delete;

  // `authorization_header_value` is the value of the `authorization`
  // metadata, "Bearer <token>" (scheme case-insensitive, RFC 7235). Returns
  // the caller's identity (never the token) or nullopt. The time taken does
  // not depend on which token matched, nor on how much of a token matched:
  // the presented token is hashed and its digest compared with every
  // configured digest with CRYPTO_memcmp, without an early exit.
  std::optional<std::string> Authenticate(
      absl::string_view authorization_header_value) const;

  // Re-reads the file given to FromFile. On success the new set replaces the
  // old one atomically (calls being authenticated see one or the other); on
  // error the old set stays in force and the error is returned, so a bad
  // edit never locks every caller out. Safe to call from any thread (e.g. a
  // SIGHUP-handling thread; not from a signal handler).
  absl::Status Reload();

  std::size_t token_count() const;

 private:
  TokenAuthenticator(std::string path, std::vector<CallerToken> tokens);

  const std::string path_;  // empty: not reloadable
  mutable absl::Mutex mu_;
  std::vector<CallerToken> tokens_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::security

#endif  // LIPSYNC_SERVICE_SECURITY_CALLER_AUTH_H_

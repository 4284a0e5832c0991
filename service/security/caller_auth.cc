#include "service/security/caller_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/security/secret_source.h"

namespace lipsync::security {
namespace {

using Digest = std::array<unsigned char, 32>;

// Hashing first turns tokens of any length into 32 bytes, so the comparison
// below neither leaks a configured token's length nor needs a
// length-dependent branch.
Digest Sha256(absl::string_view data) {
  Digest digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(),
                 nullptr) != 1 ||
      len != digest.size()) {
    // Only an allocation failure inside OpenSSL gets here; authenticating
    // against an all-zero digest would be worse than stopping.
    std::fputs("fatal: SHA-256 failed in OpenSSL\n", stderr);
    std::abort();
  }
  return digest;
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-' || c == '@';
}

bool HasWhitespace(absl::string_view s) {
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

absl::Status LineError(std::size_t line, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("token file line ", line, ": ", problem));
}

// The token of "Bearer <token>", or empty when the value is not of that
// form.
absl::string_view BearerToken(absl::string_view value) {
  constexpr absl::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    return {};
  }
  absl::string_view token =
      absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (HasWhitespace(token)) return {};
  return token;
}

}  // namespace

absl::StatusOr<std::vector<CallerToken>> ParseTokenFile(
    absl::string_view content) {
  std::vector<CallerToken> tokens;
  absl::flat_hash_set<std::string> seen;  // digests, as bytes
  std::size_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;

    absl::string_view name;
    absl::string_view token = line;
    const std::size_t colon = line.find(':');
    if (colon != absl::string_view::npos) {
      name = absl::StripAsciiWhitespace(line.substr(0, colon));
      token = absl::StripAsciiWhitespace(line.substr(colon + 1));
      if (name.empty()) return LineError(line_number, "empty caller name");
      for (char c : name) {
        if (!IsNameChar(c)) {
          return LineError(line_number,
                           "caller name may hold only [A-Za-z0-9._@-]");
        }
      }
    }
    if (token.size() < kMinCallerTokenBytes) {
      return LineError(
          line_number,
          absl::StrCat("token shorter than ", kMinCallerTokenBytes, " bytes"));
    }
    if (HasWhitespace(token)) {
      return LineError(line_number, "token contains whitespace");
    }
    CallerToken entry;
    entry.token_sha256 = Sha256(token);
    if (!seen.emplace(reinterpret_cast<const char*>(entry.token_sha256.data()),
                      entry.token_sha256.size())
             .second) {
      // Two identities for one token would make the identity ambiguous.
      return LineError(line_number, "token listed twice");
    }
    entry.identity = name.empty() ? absl::StrCat("token-", tokens.size() + 1)
                                  : std::string(name);
    tokens.push_back(std::move(entry));
  }
  if (tokens.empty()) {
    // An empty set would reject everyone; far more likely a wrong file.
    return absl::InvalidArgumentError("token file holds no token");
  }
  return tokens;
}

absl::StatusOr<std::unique_ptr<TokenAuthenticator>>
TokenAuthenticator::FromFile(std::string path) {
  absl::StatusOr<std::string> content = ReadSecretFile(path);
  if (!content.ok()) return content.status();
  absl::StatusOr<std::vector<CallerToken>> tokens = ParseTokenFile(*content);
  OPENSSL_cleanse(content->data(), content->size());
  if (!tokens.ok()) {
    return absl::Status(tokens.status().code(),
                        absl::StrCat(path, ": ", tokens.status().message()));
  }
  return std::unique_ptr<TokenAuthenticator>(
      new TokenAuthenticator(std::move(path), *std::move(tokens)));
}

TokenAuthenticator::TokenAuthenticator(std::vector<CallerToken> tokens)
    : TokenAuthenticator(std::string(), std::move(tokens)) {}

TokenAuthenticator::TokenAuthenticator(std::string path,
                                       std::vector<CallerToken> tokens)
    : path_(std::move(path)), tokens_(std::move(tokens)) {}

std::optional<std::string> TokenAuthenticator::Authenticate(
    absl::string_view authorization_header_value) const {
  const absl::string_view token = BearerToken(authorization_header_value);
  if (token.empty()) return std::nullopt;
  const Digest presented = Sha256(token);

  absl::ReaderMutexLock lock(&mu_);
  // Branch-free selection: every digest is compared, and the index of the
  // match (at most one: ParseTokenFile refuses duplicates) is folded in with
  // a mask, so neither the loop length nor a branch depends on the match.
  std::size_t match_plus_one = 0;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const int differs = CRYPTO_memcmp(
        presented.data(), tokens_[i].token_sha256.data(), presented.size());
    const std::size_t equal = static_cast<std::size_t>(differs == 0);
    const std::size_t mask = std::size_t{0} - equal;
    match_plus_one = (match_plus_one & ~mask) | ((i + 1) & mask);
  }
  if (match_plus_one == 0) return std::nullopt;
  return tokens_[match_plus_one - 1].identity;
}

absl::Status TokenAuthenticator::Reload() {
  if (path_.empty()) {
    return absl::FailedPreconditionError(
        "token authenticator was not loaded from a file");
  }
  absl::StatusOr<std::unique_ptr<TokenAuthenticator>> fresh = FromFile(path_);
  if (!fresh.ok()) return fresh.status();
  std::vector<CallerToken> tokens;
  {
    absl::MutexLock lock(&(*fresh)->mu_);
    tokens = std::move((*fresh)->tokens_);
  }
  absl::MutexLock lock(&mu_);
  tokens_.swap(tokens);
  return absl::OkStatus();
}

std::size_t TokenAuthenticator::token_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return tokens_.size();
}

}  // namespace lipsync::security

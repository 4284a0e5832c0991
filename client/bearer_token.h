// The caller's bearer token: where it comes from and how it travels.
#ifndef LIPSYNC_CLIENT_BEARER_TOKEN_H_
#define LIPSYNC_CLIENT_BEARER_TOKEN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/channel_options.h"
#include "grpcpp/security/credentials.h"

namespace lipsync::client {

// gRPC metadata key of the credential (lower case, as HTTP/2 requires).
inline constexpr char kAuthorizationMetadataKey[] = "authorization";

// Largest token file read (tokens are short; this only bounds a wrong path).
inline constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;

// The token of `options`: `bearer_token`, or the content of `token_file`
// without surrounding whitespace; "" when neither is set. Errors:
// INVALID_ARGUMENT when both are set, the file holds no token, or the token
// has characters other than visible ASCII (it must fit an HTTP header); the
// ReadFileBytes errors for the file. Messages never contain the token.
absl::StatusOr<std::string> LoadBearerToken(const ChannelOptions& options);

// "Bearer <token>": the value of the authorization metadata.
std::string BearerAuthorizationValue(absl::string_view token);

// Call credentials adding `authorization: Bearer <token>` to every call.
// gRPC sends call credentials only over a secure channel; compose them with
// TLS channel credentials (grpc::CompositeChannelCredentials).
std::shared_ptr<grpc::CallCredentials> BearerTokenCallCredentials(
    absl::string_view token);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_BEARER_TOKEN_H_

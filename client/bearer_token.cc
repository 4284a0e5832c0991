#include "client/bearer_token.h"

#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/file_bytes.h"

namespace lipsync::client {
namespace {

// Adds the same header to every call. Non-blocking: it only copies a string,
// so gRPC need not hop to another thread to run it.
class BearerTokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerTokenPlugin(absl::string_view token)
      : value_(BearerAuthorizationValue(token)) {}

  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "lipsync.BearerToken"; }

  grpc::Status GetMetadata(
      grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
      const grpc::AuthContext& /*channel_auth_context*/,
      std::multimap<std::string, std::string>* metadata) override {
    metadata->emplace(kAuthorizationMetadataKey, value_);
    return grpc::Status::OK;
  }

  // Never the token itself: gRPC may log this.
  std::string DebugString() override { return "BearerTokenPlugin"; }

 private:
  const std::string value_;
};

bool IsVisibleAscii(absl::string_view text) {
  for (const char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

absl::StatusOr<std::string> CheckToken(std::string token,
                                       absl::string_view source) {
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, " is empty"));
  }
  if (!IsVisibleAscii(token)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     " has characters other than visible ASCII (spaces, line "
                     "breaks or non-ASCII bytes inside the token)"));
  }
  return token;
}

}  // namespace

absl::StatusOr<std::string> LoadBearerToken(const ChannelOptions& options) {
  if (!options.bearer_token.empty() && !options.token_file.empty()) {
    return absl::InvalidArgumentError(
        "set the bearer token or the token file, not both");
  }
  if (!options.bearer_token.empty()) {
    return CheckToken(options.bearer_token, "the bearer token");
  }
  if (options.token_file.empty()) return std::string();
  auto content = ReadFileBytes(options.token_file, kMaxTokenFileBytes);
  if (!content.ok()) return content.status();
  // Editors and `echo` add a trailing newline; it is not part of the token.
  return CheckToken(std::string(absl::StripAsciiWhitespace(*content)),
                    absl::StrCat("token file ", options.token_file));
}

std::string BearerAuthorizationValue(absl::string_view token) {
  return absl::StrCat("Bearer ", token);
}

std::shared_ptr<grpc::CallCredentials> BearerTokenCallCredentials(
    absl::string_view token) {
  return grpc::MetadataCredentialsFromPlugin(
      std::make_unique<BearerTokenPlugin>(token));
}

}  // namespace lipsync::client

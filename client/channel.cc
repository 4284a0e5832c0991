#include "client/channel.h"

#include <climits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/bearer_token.h"
#include "client/file_bytes.h"
#include "client/service_config.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace lipsync::client {
namespace {

// PEM files are small; the cap only guards against a wrong path.
constexpr std::size_t kMaxPemFileBytes = 1024 * 1024;

absl::Status CheckOptions(const ChannelOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("the gateway target is empty");
  }
  for (const char c : options.target) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          "the gateway target contains spaces or control characters");
    }
  }
  if (!options.use_tls &&
      (!options.ca_cert_file.empty() || !options.client_cert_file.empty() ||
       !options.client_key_file.empty())) {
    return absl::InvalidArgumentError(
        "CA and client certificate files need TLS; enable TLS or drop them");
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "mutual TLS needs both the client certificate and its private key");
  }
  if (options.max_send_message_bytes < 1 ||
      options.max_send_message_bytes > INT_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_send_message_bytes must be in [1, ", INT_MAX,
                     "], not ", options.max_send_message_bytes));
  }
  return absl::OkStatus();
}

// Reads `path` into `*pem` when set.
absl::Status ReadPem(const std::string& path, std::string* pem) {
  if (path.empty()) return absl::OkStatus();
  auto bytes = ReadFileBytes(path, kMaxPemFileBytes);
  if (!bytes.ok()) return bytes.status();
  *pem = *std::move(bytes);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(
    const ChannelOptions& options, const std::string& token) {
  grpc::SslCredentialsOptions ssl;
  if (auto s = ReadPem(options.ca_cert_file, &ssl.pem_root_certs); !s.ok()) {
    return s;
  }
  if (auto s = ReadPem(options.client_cert_file, &ssl.pem_cert_chain);
      !s.ok()) {
    return s;
  }
  if (auto s = ReadPem(options.client_key_file, &ssl.pem_private_key);
      !s.ok()) {
    return s;
  }
  auto credentials = grpc::SslCredentials(ssl);
  if (credentials == nullptr) {
    return absl::InvalidArgumentError("gRPC could not build TLS credentials");
  }
  if (token.empty()) return credentials;
  return grpc::CompositeChannelCredentials(credentials,
                                           BearerTokenCallCredentials(token));
}

}  // namespace

grpc::ChannelArguments MakeChannelArguments(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kServiceConfigJson);
  // A service config found in DNS would replace ours, retry policy included;
  // the gateway publishes none, so never look.
  args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  args.SetMaxSendMessageSize(static_cast<int>(options.max_send_message_bytes));
  args.SetUserAgentPrefix("lipsync-client/0.1");
  return args;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ChannelOptions& options) {
  if (auto s = CheckOptions(options); !s.ok()) return s;
  auto token = LoadBearerToken(options);
  if (!token.ok()) return token.status();

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.use_tls) {
    auto tls = TlsCredentials(options, *token);
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(options.target, credentials,
                                   MakeChannelArguments(options));
}

}  // namespace lipsync::client

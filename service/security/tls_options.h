// The gRPC listener's transport security: TLS, mutual TLS, or (only when
// asked for explicitly) plaintext.
#ifndef LIPSYNC_SERVICE_SECURITY_TLS_OPTIONS_H_
#define LIPSYNC_SERVICE_SECURITY_TLS_OPTIONS_H_

#include <grpcpp/security/server_credentials.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace lipsync::security {

// Paths of PEM files; empty means "not configured".
struct TlsFiles {
  // The server's certificate chain (leaf first).
  std::string cert_file;
  // The private key of the leaf certificate.
  std::string key_file;
  // CA bundle that client certificates must chain to. Set: mutual TLS, every
  // caller must present a certificate it signed.
  std::string client_ca_file;
};

// Largest certificate chain / CA bundle accepted.
inline constexpr std::size_t kMaxPemFileBytes = 1024 * 1024;

// Builds the listener credentials:
//   no cert and no key: insecure credentials if `plaintext_allowed`, else
//     FAILED_PRECONDITION "TLS cert/key not configured; pass --plaintext to
//     serve without TLS";
//   cert and key: grpc::SslServerCredentials (TLS 1.2+); with a client CA,
//     GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY.
// INVALID_ARGUMENT for only one of cert/key, a client CA without cert/key,
// a file that holds no PEM certificate / private key, or a key that does not
// belong to the certificate; the errors of ReadBoundedFile /
// ReadSecretFile for unreadable files. Every message names the file and
// never quotes its content. Checking here turns what gRPC would report as
// a bare "BuildAndStart failed" into one clear startup line.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files, bool plaintext_allowed);

}  // namespace lipsync::security

#endif  // LIPSYNC_SERVICE_SECURITY_TLS_OPTIONS_H_

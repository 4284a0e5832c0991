#include "service/security/tls_options.h"

#include <grpcpp/security/server_credentials.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/security/secret_source.h"

namespace lipsync::security {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of `pem`, or null. OpenSSL's error queue is cleared
// either way: its entries would otherwise surface in an unrelated later
// call (gRPC's own TLS code reads the same thread's queue).
X509Ptr FirstCertificate(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                   : nullptr);
  ERR_clear_error();
  return cert;
}

PkeyPtr PrivateKey(const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  // A null password callback with an empty password: an encrypted key fails
  // here instead of OpenSSL prompting on the terminal.
  static char kNoPassword[] = "";
  PkeyPtr key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, kNoPassword)
          : nullptr);
  ERR_clear_error();
  return key;
}

absl::Status CheckKeyPair(const TlsFiles& files, const std::string& cert_pem,
                          const std::string& key_pem) {
  X509Ptr cert = FirstCertificate(cert_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS certificate file ", files.cert_file, " holds no PEM certificate"));
  }
  PkeyPtr key = PrivateKey(key_pem);
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS key file ", files.key_file,
                     " holds no unencrypted PEM private key"));
  }
  const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key file ", files.key_file,
        " does not belong to the certificate in ", files.cert_file));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files, bool plaintext_allowed) {
  const bool has_cert = !files.cert_file.empty();
  const bool has_key = !files.key_file.empty();
  if (!has_cert && !has_key) {
    if (!files.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "a TLS client CA needs a TLS cert/key: mutual TLS is TLS");
    }
    if (!plaintext_allowed) {
      return absl::FailedPreconditionError(
          "TLS cert/key not configured; pass --plaintext to serve without "
          "TLS");
    }
    return grpc::InsecureServerCredentials();
  }
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate file and a key file");
  }

  absl::StatusOr<std::string> cert_pem = ReadBoundedFile(
      files.cert_file, kMaxPemFileBytes, "TLS certificate file");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadSecretFile(files.key_file);
  if (!key_pem.ok()) return key_pem.status();
  // Trimmed by the readers; PEM parsers want the final newline back.
  cert_pem->push_back('\n');
  key_pem->push_back('\n');
  absl::Status pair = CheckKeyPair(files, *cert_pem, *key_pem);
  if (!pair.ok()) {
    OPENSSL_cleanse(key_pem->data(), key_pem->size());
    return pair;
  }

  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca_pem = ReadBoundedFile(
        files.client_ca_file, kMaxPemFileBytes, "TLS client CA file");
    if (!ca_pem.ok()) return ca_pem.status();
    ca_pem->push_back('\n');
    if (FirstCertificate(*ca_pem) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS client CA file ", files.client_ca_file,
                       " holds no PEM certificate"));
    }
    options.pem_root_certs = *std::move(ca_pem);
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back({*key_pem, *cert_pem});
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  return grpc::SslServerCredentials(options);
}

}  // namespace lipsync::security

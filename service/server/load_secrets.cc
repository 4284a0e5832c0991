#include "service/server/load_secrets.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/security/jwt_credentials.h"
#include "service/security/secret_source.h"

namespace lipsync::server {
namespace {

// The secret from `file` when set, else `env_value`. Empty when neither.
std::string ReadSecret(const std::string& file, const std::string& env_value,
                       const char* setting, std::vector<std::string>* errors) {
  if (file.empty()) return env_value;
  absl::StatusOr<std::string> secret = security::ReadSecretFile(file);
  if (!secret.ok()) {
    errors->push_back(absl::StrCat(setting, ": ", secret.status().message()));
    return "";
  }
  return *std::move(secret);
}

bool HasLineBreak(const std::string& value) {
  return value.find_first_of("\r\n") != std::string::npos;
}

void LoadUpstreamCredentials(const SecretSources& s, GatewayOptions* options,
                             std::vector<std::string>* errors) {
  const std::string api_key =
      ReadSecret(s.api_key_file, s.api_key_env, "--api_key_file", errors);
  const std::string access_key = ReadSecret(s.access_key_file, s.access_key_env,
                                            "--access_key_file", errors);
  const std::string secret_key = ReadSecret(s.secret_key_file, s.secret_key_env,
                                            "--secret_key_file", errors);
  const bool jwt_mode = !access_key.empty() || !secret_key.empty();
  if (!api_key.empty() && jwt_mode) {
    errors->push_back(
        "upstream credentials: set either the API key (KLING_API_KEY / "
        "--api_key_file) or the access key + secret key pair, not both");
    return;
  }
  if (!jwt_mode) {
    // An empty key is reported by ValidateGatewayOptions.
    options->api_key = api_key;
    return;
  }
  if (access_key.empty() || secret_key.empty()) {
    errors->push_back(
        "upstream credentials: the access key and the secret key go together "
        "(KLING_ACCESS_KEY / --access_key_file and KLING_SECRET_KEY / "
        "--secret_key_file)");
    return;
  }
  if (HasLineBreak(access_key)) {
    errors->push_back("the upstream access key contains a line break");
    return;
  }
  options->credentials = security::MakeJwtCredentials(access_key, secret_key);
}

}  // namespace

std::vector<std::string> LoadSecrets(const SecretSources& s,
                                     GatewayOptions* options) {
  std::vector<std::string> errors;
  const bool has_tls = !s.tls.cert_file.empty() || !s.tls.key_file.empty();
  if (s.plaintext && has_tls) {
    errors.push_back(
        "--plaintext conflicts with --tls_cert_file/--tls_key_file: choose "
        "one");
  } else {
    auto credentials = security::MakeServerCredentials(s.tls, s.plaintext);
    if (credentials.ok()) {
      options->server_credentials = *std::move(credentials);
      options->transport = !has_tls                       ? "plaintext"
                           : s.tls.client_ca_file.empty() ? "tls"
                                                          : "mtls";
    } else {
      errors.push_back(
          absl::StrCat("TLS (--tls_cert_file, --tls_key_file, "
                       "--tls_client_ca_file): ",
                       credentials.status().message()));
    }
  }
  if (!s.auth_tokens_file.empty()) {
    auto authenticator =
        security::TokenAuthenticator::FromFile(s.auth_tokens_file);
    if (authenticator.ok()) {
      options->authenticator = *std::move(authenticator);
    } else {
      errors.push_back(absl::StrCat("--auth_tokens_file: ",
                                    authenticator.status().message()));
    }
  }
  LoadUpstreamCredentials(s, options, &errors);
  options->shared_state.password =
      ReadSecret(s.redis_password_file, s.redis_password_env,
                 "--redis_password_file", &errors);
  return errors;
}

}  // namespace lipsync::server

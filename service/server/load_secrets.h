// Turns the secret and certificate *sources* of the configuration (file
// paths, environment values) into loaded credentials in GatewayOptions, at
// startup, reporting every problem at once. Secrets never come from flag
// values (they would show in `ps`), and no message quotes a secret.
#ifndef LIPSYNC_SERVICE_SERVER_LOAD_SECRETS_H_
#define LIPSYNC_SERVICE_SERVER_LOAD_SECRETS_H_

#include <string>
#include <vector>

#include "service/security/tls_options.h"
#include "service/server/gateway_options.h"

namespace lipsync::server {

struct SecretSources {
  // The gRPC listener: cert + key (TLS), plus client CA (mutual TLS).
  security::TlsFiles tls;
  // Serve without TLS; required when no cert/key is given.
  bool plaintext = false;
  // Caller bearer tokens (security::ParseTokenFile format); empty: no auth.
  std::string auth_tokens_file;
  // Upstream credentials, one of two modes (CONTRACT.md): a static API key,
  // or an access key + secret key pair from which the gateway mints HS256
  // JWTs. Each from its file when the path is set, else from the value read
  // out of the environment by the caller (KLING_API_KEY, KLING_ACCESS_KEY,
  // KLING_SECRET_KEY).
  std::string api_key_file;
  std::string api_key_env;
  std::string access_key_file;
  std::string access_key_env;
  std::string secret_key_file;
  std::string secret_key_env;
  // The Redis password (shared state): from its file when the path is set,
  // else the value of LIPSYNC_REDIS_PASSWORD read by the caller.
  std::string redis_password_file;
  std::string redis_password_env;
};

// Fills options->server_credentials, transport, authenticator, either
// api_key or credentials, and shared_state.password. Returns one message per
// problem (empty: all loaded); each names the setting and file, never a
// secret's content.
std::vector<std::string> LoadSecrets(const SecretSources& sources,
                                     GatewayOptions* options);

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_LOAD_SECRETS_H_

// How lipsync-cli and other C++ callers reach the gateway: address, transport
// security and the caller's credential. Plain data; MakeChannel
// (client/channel.h) checks it and builds a grpc::Channel from it.
#ifndef LIPSYNC_CLIENT_CHANNEL_OPTIONS_H_
#define LIPSYNC_CLIENT_CHANNEL_OPTIONS_H_

#include <cstdint>
#include <string>

namespace lipsync::client {

inline constexpr char kDefaultTarget[] = "localhost:50051";

// Largest request the client sends. The gateway accepts messages up to 7 MiB
// (a 5 MiB audio as Base64 plus the other fields); gRPC's own send default is
// unlimited, so this cap only stops an absurd request before it leaves the
// process. 8 MiB leaves room for a 5 MiB `sound_file_bytes` request.
inline constexpr int64_t kDefaultMaxSendMessageBytes = 8 * 1024 * 1024;

struct ChannelOptions {
  // gRPC target: "host:port", "dns:///host:port", "unix:///path", ...
  std::string target = kDefaultTarget;

  // TLS (grpc::SslCredentials) when true, plaintext otherwise. The three
  // file options below require use_tls.
  bool use_tls = false;
  // PEM file of the roots that sign the gateway's certificate; empty means
  // gRPC's default roots (or $GRPC_DEFAULT_SSL_ROOTS_FILE_PATH).
  std::string ca_cert_file;
  // PEM certificate chain and private key for mutual TLS: both or neither.
  std::string client_cert_file;
  std::string client_key_file;

  // The caller's credential, sent on every call as
  // `authorization: Bearer <token>`. At most one of the two may be set; the
  // file's content is trimmed of surrounding whitespace. Empty: no header.
  std::string bearer_token;
  std::string token_file;

  // See kDefaultMaxSendMessageBytes. Must be in [1, INT_MAX].
  int64_t max_send_message_bytes = kDefaultMaxSendMessageBytes;
};

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_CHANNEL_OPTIONS_H_

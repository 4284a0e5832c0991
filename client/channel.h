// Building the grpc::Channel to the gateway from ChannelOptions.
#ifndef LIPSYNC_CLIENT_CHANNEL_H_
#define LIPSYNC_CLIENT_CHANNEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "client/channel_options.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace lipsync::client {

// Returns a channel to `options.target` (connecting lazily, on the first
// call) with:
//  - TLS (grpc::SslCredentials, with the client certificate for mutual TLS)
//    when `use_tls`, plaintext otherwise;
//  - with TLS, the bearer token as call credentials on every call. gRPC
//    refuses call credentials on an insecure channel, so over plaintext the
//    token is NOT attached here: LipSyncClient adds it to each call instead
//    (MakeLipSyncClient in client/lipsync_client.h does this for you);
//  - the arguments of MakeChannelArguments.
// Errors: INVALID_ARGUMENT for inconsistent options (an empty target, a
// certificate file without use_tls, a client certificate without its key or
// the reverse, max_send_message_bytes out of range) and the token checks of
// LoadBearerToken; the ReadFileBytes errors for unreadable files.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ChannelOptions& options);

// The channel arguments MakeChannel uses: kServiceConfigJson as the default
// service config (and DNS service configs ignored, so that it always
// applies), retries enabled, the send size cap, a user agent.
grpc::ChannelArguments MakeChannelArguments(const ChannelOptions& options);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_CHANNEL_H_

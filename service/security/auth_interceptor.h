// Caller authentication at the gRPC edge: every RPC except health checking
// and reflection must carry `authorization: Bearer <token>` with a token of
// the TokenAuthenticator.
//
// Two pieces, because a gRPC 1.51 server interceptor cannot stop the
// handler from running:
//  * AuthInterceptorFactory (register with
//    ServerBuilder::experimental().SetInterceptorCreators) rejects an
//    unauthenticated call on the wire at once: the caller gets
//    UNAUTHENTICATED "missing or invalid bearer token", and nothing the
//    handler later writes reaches it. It covers every method, including
//    ones added later.
//  * AuthenticateCall() is what a handler calls first, before any work (an
//    upstream call is billed): the handler of a rejected call is still
//    invoked (with a cancelled context), and must not act on it. It also
//    yields the caller identity for the access log.
#ifndef LIPSYNC_SERVICE_SECURITY_AUTH_INTERCEPTOR_H_
#define LIPSYNC_SERVICE_SECURITY_AUTH_INTERCEPTOR_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "service/security/caller_auth.h"

namespace lipsync::security {

// The status message of every authentication failure (one message, so a
// caller learns nothing about why its token was refused).
inline constexpr absl::string_view kUnauthenticatedMessage =
    "missing or invalid bearer token";

// True for methods served without a token: /grpc.health.v1.Health/* (probes
// carry no credentials) and /grpc.reflection.v1alpha.ServerReflection/* and
// /grpc.reflection.v1.ServerReflection/* (schema only, no data).
bool IsAuthExemptMethod(absl::string_view method);

// Authenticates the call by its `authorization` metadata (exactly one
// entry). OK with `*caller` (may be null) set to the identity; else
// UNAUTHENTICATED with kUnauthenticatedMessage. Cheap (one SHA-256 and a
// compare per configured token). Thread-safe.
absl::Status AuthenticateCall(const grpc::ServerContextBase& context,
                              const TokenAuthenticator& authenticator,
                              std::string* caller);

// Told of each call the interceptor rejects (method, peer URI), e.g. to log
// or count it. Runs on a gRPC thread: must be quick and must not block.
using RejectionObserver =
    std::function<void(absl::string_view method, absl::string_view peer)>;

class AuthInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `authenticator` must not be null; it is shared, so Reload() on it takes
  // effect for the next call.
  explicit AuthInterceptorFactory(
      std::shared_ptr<const TokenAuthenticator> authenticator,
      RejectionObserver on_reject = nullptr);

  // nullptr (no interceptor, no per-call cost) for exempt methods.
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const std::shared_ptr<const TokenAuthenticator> authenticator_;
  const RejectionObserver on_reject_;
};

}  // namespace lipsync::security

#endif  // LIPSYNC_SERVICE_SECURITY_AUTH_INTERCEPTOR_H_

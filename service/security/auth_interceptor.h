// Caller authentication at the gRPC edge: every RPC except health checking
// and reflection must carry `authorization: Bearer <token>` with a token of
// the TokenAuthenticator. The token is checked once per call, by the
// interceptor; the handler learns the outcome from it.
//
//  * AuthInterceptorFactory (register with
//    ServerBuilder::experimental().SetInterceptorCreators) checks the token
//    when the call's metadata arrives. It rejects an unauthenticated call on
//    the wire at once: the caller gets UNAUTHENTICATED "missing or invalid
//    bearer token", and nothing the handler later writes reaches it. It
//    covers every method, including ones added later. For an authenticated
//    call it adds the caller's identity to the call's metadata under
//    kCallerIdentityKey, after removing every entry of that key the client
//    sent: only the interceptor's entry is ever seen by the handler.
//  * AuthenticatedCaller() is what a handler calls first, before any work (an
//    upstream call is billed): a gRPC 1.51 server interceptor cannot stop the
//    handler from running, so the handler of a rejected call is still
//    invoked (with a cancelled context) and must not act on it. It also
//    yields the caller identity for the access log.
#ifndef LIPSYNC_SERVICE_SECURITY_AUTH_INTERCEPTOR_H_
#define LIPSYNC_SERVICE_SECURITY_AUTH_INTERCEPTOR_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/security/caller_auth.h"

namespace lipsync::security {

// The status message of every authentication failure (one message, so a
// caller learns nothing about why its token was refused).
inline constexpr absl::string_view kUnauthenticatedMessage =
    "missing or invalid bearer token";

// The metadata key under which the interceptor hands an authenticated
// caller's identity to the handler. A client may send it too; the
// interceptor removes every such entry before it adds its own.
inline constexpr absl::string_view kCallerIdentityKey =
    "lipsync-authenticated-caller";

// True for methods served without a token: /grpc.health.v1.Health/* (probes
// carry no credentials) and /grpc.reflection.v1alpha.ServerReflection/* and
// /grpc.reflection.v1.ServerReflection/* (schema only, no data).
bool IsAuthExemptMethod(absl::string_view method);

// The identity the interceptor established for this call, or
// UNAUTHENTICATED with kUnauthenticatedMessage when it rejected the call.
// Reads only the interceptor's entry (no token check of its own). Call it
// only for a method the AuthInterceptorFactory guards (not exempt, on a
// server that registers it): elsewhere nothing removes a client's own entry
// of kCallerIdentityKey. Thread-safe.
absl::StatusOr<std::string> AuthenticatedCaller(
    const grpc::ServerContextBase& context);

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

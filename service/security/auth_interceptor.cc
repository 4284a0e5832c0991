#include "service/security/auth_interceptor.h"

#include <grpc/grpc.h>

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"

namespace lipsync::security {
namespace {

using grpc::experimental::InterceptionHookPoints;
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

grpc::string_ref Ref(absl::string_view s) {
  return grpc::string_ref(s.data(), s.size());
}

// The identity of the caller whose token is in `metadata` (exactly one
// `authorization` entry), or nullopt.
std::optional<std::string> Authenticate(
    const Metadata& metadata, const TokenAuthenticator& authenticator) {
  // Two authorization entries are ambiguous (which one would a proxy in
  // front have checked?): refuse rather than pick one.
  if (metadata.count("authorization") != 1) return std::nullopt;
  const grpc::string_ref value = metadata.find("authorization")->second;
  return authenticator.Authenticate(
      absl::string_view(value.data(), value.size()));
}

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::experimental::ServerRpcInfo* info,
                  const TokenAuthenticator* authenticator,
                  const RejectionObserver* on_reject)
      : info_(info), authenticator_(authenticator), on_reject_(on_reject) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      // The same map the handler reads as its context's client_metadata().
      Metadata* metadata = methods->GetRecvInitialMetadata();
      // Whatever a client sent under the key is never an identity.
      metadata->erase(Ref(kCallerIdentityKey));
      std::optional<std::string> caller =
          Authenticate(*metadata, *authenticator_);
      if (caller.has_value()) {
        // The map holds views: the identity lives in this interceptor, which
        // the call's context keeps until the call is over.
        caller_ = *std::move(caller);
        metadata->emplace(Ref(kCallerIdentityKey), Ref(caller_));
      } else {
        Reject(info_->server_context());
      }
    }
    methods->Proceed();
  }

 private:
  void Reject(grpc::ServerContextBase* context) {
    // Observed before the caller can learn of the rejection, so that what a
    // caller saw has always been logged/counted.
    if (*on_reject_) {
      const char* method = info_->method();
      (*on_reject_)(method != nullptr ? method : "", context->peer());
    }
    // Server interceptors cannot hijack a call, and TryCancel() would tell
    // the caller CANCELLED. Cancelling the core call with a status makes
    // the transport send that status as the trailers (a server-side cancel
    // with an explicit grpc-status is delivered, not reset), so the caller
    // sees UNAUTHENTICATED, and every later send of the handler fails.
    grpc_call_cancel_with_status(context->c_call(), GRPC_STATUS_UNAUTHENTICATED,
                                 std::string(kUnauthenticatedMessage).c_str(),
                                 nullptr);
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const TokenAuthenticator* const authenticator_;
  const RejectionObserver* const on_reject_;
  std::string caller_;
};

}  // namespace

bool IsAuthExemptMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(method,
                          "/grpc.reflection.v1alpha.ServerReflection/") ||
         absl::StartsWith(method, "/grpc.reflection.v1.ServerReflection/");
}

absl::StatusOr<std::string> AuthenticatedCaller(
    const grpc::ServerContextBase& context) {
  const Metadata& metadata = context.client_metadata();
  const grpc::string_ref key = Ref(kCallerIdentityKey);
  // The interceptor adds exactly one entry, and only for a valid token.
  if (metadata.count(key) == 1) {
    const grpc::string_ref caller = metadata.find(key)->second;
    return std::string(caller.data(), caller.size());
  }
  return absl::UnauthenticatedError(kUnauthenticatedMessage);
}

AuthInterceptorFactory::AuthInterceptorFactory(
    std::shared_ptr<const TokenAuthenticator> authenticator,
    RejectionObserver on_reject)
    : authenticator_(std::move(authenticator)),
      on_reject_(std::move(on_reject)) {}

grpc::experimental::Interceptor*
AuthInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  // A call without a method name is not exempt: fail closed.
  if (info->method() != nullptr && IsAuthExemptMethod(info->method())) {
    return nullptr;
  }
  return new AuthInterceptor(info, authenticator_.get(), &on_reject_);
}

}  // namespace lipsync::security

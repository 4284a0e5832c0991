#include "service/security/auth_interceptor.h"

#include <grpc/grpc.h>

#include <optional>
#include <utility>

#include "absl/strings/match.h"

namespace lipsync::security {
namespace {

using grpc::experimental::InterceptionHookPoints;

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
      grpc::ServerContextBase* context = info_->server_context();
      if (!AuthenticateCall(*context, *authenticator_, nullptr).ok()) {
        Reject(context);
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
};

}  // namespace

bool IsAuthExemptMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(method,
                          "/grpc.reflection.v1alpha.ServerReflection/") ||
         absl::StartsWith(method, "/grpc.reflection.v1.ServerReflection/");
}

absl::Status AuthenticateCall(const grpc::ServerContextBase& context,
                              const TokenAuthenticator& authenticator,
                              std::string* caller) {
  const auto& metadata = context.client_metadata();
  // Two authorization entries are ambiguous (which one would a proxy in
  // front have checked?): refuse rather than pick one.
  if (metadata.count("authorization") == 1) {
    const grpc::string_ref value = metadata.find("authorization")->second;
    std::optional<std::string> identity = authenticator.Authenticate(
        absl::string_view(value.data(), value.size()));
    if (identity.has_value()) {
      if (caller != nullptr) *caller = *std::move(identity);
      return absl::OkStatus();
    }
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

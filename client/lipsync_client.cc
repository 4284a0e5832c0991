#include "client/lipsync_client.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "client/bearer_token.h"
#include "client/channel.h"
#include "client/client_error.h"

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr char kHexDigits[] = "0123456789abcdef";

std::string RandomHex(std::size_t length) {
  thread_local absl::BitGen gen;
  std::string out(length, '0');
  for (char& c : out) c = kHexDigits[absl::Uniform<unsigned>(gen, 0u, 16u)];
  return out;
}

// A failed call's status, with the trace id the gateway answered (its
// `trace-id` trailer), else the one sent.
absl::Status FailedCall(const grpc::Status& status,
                        const grpc::ClientContext& context,
                        const std::string& sent_trace_id) {
  absl::Status failed = StatusFromGrpc(status);
  std::string trace_id = sent_trace_id;
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kTraceIdTrailerKey);
  if (it != trailers.end() &&
      IsValidTraceId(absl::string_view(it->second.data(), it->second.size()))) {
    trace_id.assign(it->second.data(), it->second.size());
  }
  return WithTraceId(std::move(failed), trace_id);
}

// One blocking unary call: `invoke(context, response)` runs the stub method.
template <typename Response, typename Invoke>
absl::StatusOr<Response> CallUnary(grpc::ClientContext* context,
                                   const std::string& trace_id, Invoke invoke) {
  Response response;
  grpc::Status status = invoke(context, &response);
  if (!status.ok()) return FailedCall(status, *context, trace_id);
  return response;
}

}  // namespace

LipSyncClient::LipSyncClient(
    const std::shared_ptr<grpc::ChannelInterface>& channel,
    absl::Duration default_timeout, const std::string& per_call_bearer_token)
    : stub_(v1::LipSyncService::NewStub(channel)),
      default_timeout_(default_timeout),
      authorization_(per_call_bearer_token.empty()
                         ? std::string()
                         : BearerAuthorizationValue(per_call_bearer_token)) {}

bool IsValidTraceId(absl::string_view trace_id) {
  return trace_id.size() == 32 &&
         trace_id.find_first_not_of("0123456789abcdef") ==
             absl::string_view::npos &&
         trace_id != std::string(32, '0');
}

std::string NewTraceId() {
  std::string id;
  do {
    id = RandomHex(32);
  } while (!IsValidTraceId(id));
  return id;
}

std::string LipSyncClient::PrepareContext(grpc::ClientContext* context,
                                          absl::Duration timeout) const {
  // absl::InfiniteFuture() maps to time_point::max(), which gRPC reads as
  // "no deadline"; absl saturates instead of overflowing.
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!authorization_.empty()) {
    context->AddMetadata(kAuthorizationMetadataKey, authorization_);
  }
  std::string trace_id = trace_id_.empty() ? NewTraceId() : trace_id_;
  std::string span_id;
  do {
    span_id = RandomHex(16);
  } while (span_id == std::string(16, '0'));
  // Flags 00: the client records no spans of its own.
  context->AddMetadata("traceparent",
                       absl::StrCat("00-", trace_id, "-", span_id, "-00"));
  return trace_id;
}

absl::StatusOr<v1::IdentifyFaceResponse> LipSyncClient::IdentifyFace(
    const v1::IdentifyFaceRequest& request) const {
  return IdentifyFace(request, default_timeout_);
}

absl::StatusOr<v1::IdentifyFaceResponse> LipSyncClient::IdentifyFace(
    const v1::IdentifyFaceRequest& request, absl::Duration timeout) const {
  grpc::ClientContext context;
  const std::string trace_id = PrepareContext(&context, timeout);
  return CallUnary<v1::IdentifyFaceResponse>(
      &context, trace_id,
      [&](grpc::ClientContext* c, v1::IdentifyFaceResponse* r) {
        return stub_->IdentifyFace(c, request, r);
      });
}

absl::StatusOr<v1::LipSyncTask> LipSyncClient::CreateLipSyncTask(
    const v1::CreateLipSyncTaskRequest& request) const {
  return CreateLipSyncTask(request, default_timeout_);
}

absl::StatusOr<v1::LipSyncTask> LipSyncClient::CreateLipSyncTask(
    const v1::CreateLipSyncTaskRequest& request, absl::Duration timeout) const {
  grpc::ClientContext context;
  const std::string trace_id = PrepareContext(&context, timeout);
  return CallUnary<v1::LipSyncTask>(
      &context, trace_id, [&](grpc::ClientContext* c, v1::LipSyncTask* r) {
        return stub_->CreateLipSyncTask(c, request, r);
      });
}

absl::StatusOr<v1::LipSyncTask> LipSyncClient::GetLipSyncTask(
    const v1::GetLipSyncTaskRequest& request) const {
  return GetLipSyncTask(request, default_timeout_);
}

absl::StatusOr<v1::LipSyncTask> LipSyncClient::GetLipSyncTask(
    const v1::GetLipSyncTaskRequest& request, absl::Duration timeout) const {
  grpc::ClientContext context;
  const std::string trace_id = PrepareContext(&context, timeout);
  return CallUnary<v1::LipSyncTask>(
      &context, trace_id, [&](grpc::ClientContext* c, v1::LipSyncTask* r) {
        return stub_->GetLipSyncTask(c, request, r);
      });
}

absl::StatusOr<v1::ListLipSyncTasksResponse> LipSyncClient::ListLipSyncTasks(
    const v1::ListLipSyncTasksRequest& request) const {
  return ListLipSyncTasks(request, default_timeout_);
}

absl::StatusOr<v1::ListLipSyncTasksResponse> LipSyncClient::ListLipSyncTasks(
    const v1::ListLipSyncTasksRequest& request, absl::Duration timeout) const {
  grpc::ClientContext context;
  const std::string trace_id = PrepareContext(&context, timeout);
  return CallUnary<v1::ListLipSyncTasksResponse>(
      &context, trace_id,
      [&](grpc::ClientContext* c, v1::ListLipSyncTasksResponse* r) {
        return stub_->ListLipSyncTasks(c, request, r);
      });
}

absl::Status LipSyncClient::WatchLipSyncTask(
    const v1::WatchLipSyncTaskRequest& request, absl::Duration timeout,
    const std::function<void(const v1::LipSyncTask&)>& on_update) const {
  grpc::ClientContext context;
  const std::string trace_id = PrepareContext(&context, timeout);
  auto reader = stub_->WatchLipSyncTask(&context, request);
  v1::LipSyncTask task;
  while (reader->Read(&task)) on_update(task);
  const grpc::Status status = reader->Finish();
  if (status.ok()) return absl::OkStatus();
  return FailedCall(status, context, trace_id);
}

absl::StatusOr<std::unique_ptr<LipSyncClient>> MakeLipSyncClient(
    const ChannelOptions& options, absl::Duration default_timeout) {
  if (default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the call timeout must be positive");
  }
  auto token = LoadBearerToken(options);
  if (!token.ok()) return token.status();
  // Read the token file once: the channel gets the token itself.
  ChannelOptions resolved = options;
  resolved.bearer_token = *token;
  resolved.token_file.clear();
  auto channel = MakeChannel(resolved);
  if (!channel.ok()) return channel.status();
  return std::make_unique<LipSyncClient>(
      *std::move(channel), default_timeout,
      options.use_tls ? std::string() : *std::move(token));
}

}  // namespace lipsync::client

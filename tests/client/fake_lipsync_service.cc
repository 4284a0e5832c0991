#include "tests/client/fake_lipsync_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace lipsync::client::testing {

namespace v1 = ::kling::lipsync::v1;

namespace {

template <typename Handler, typename Request, typename Response>
grpc::Status Dispatch(const Handler& handler, grpc::ServerContext* context,
                      const Request* request, Response* response) {
  if (!handler) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "fake");
  return handler(context, *request, response);
}

}  // namespace

int FakeLipSyncService::Calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  auto it = calls_.find(method);
  return it == calls_.end() ? 0 : it->second;
}

std::string FakeLipSyncService::LastAuthorization() const {
  absl::MutexLock lock(&mu_);
  return last_authorization_;
}

void FakeLipSyncService::Record(const std::string& method,
                                grpc::ServerContext* context) {
  std::string authorization;
  auto range = context->client_metadata().equal_range("authorization");
  for (auto it = range.first; it != range.second; ++it) {
    absl::StrAppend(&authorization, authorization.empty() ? "" : ",",
                    absl::string_view(it->second.data(), it->second.size()));
  }
  std::string traceparent;
  auto parent = context->client_metadata().find("traceparent");
  if (parent != context->client_metadata().end()) {
    traceparent.assign(parent->second.data(), parent->second.size());
  }
  absl::MutexLock lock(&mu_);
  ++calls_[method];
  last_authorization_ = std::move(authorization);
  traceparents_.push_back(std::move(traceparent));
}

std::vector<std::string> FakeLipSyncService::Traceparents() const {
  absl::MutexLock lock(&mu_);
  return traceparents_;
}

grpc::Status FakeLipSyncService::IdentifyFace(
    grpc::ServerContext* context, const v1::IdentifyFaceRequest* request,
    v1::IdentifyFaceResponse* response) {
  Record("IdentifyFace", context);
  return Dispatch(identify, context, request, response);
}

grpc::Status FakeLipSyncService::CreateLipSyncTask(
    grpc::ServerContext* context, const v1::CreateLipSyncTaskRequest* request,
    v1::LipSyncTask* response) {
  Record("CreateLipSyncTask", context);
  return Dispatch(create, context, request, response);
}

grpc::Status FakeLipSyncService::GetLipSyncTask(
    grpc::ServerContext* context, const v1::GetLipSyncTaskRequest* request,
    v1::LipSyncTask* response) {
  Record("GetLipSyncTask", context);
  return Dispatch(get, context, request, response);
}

grpc::Status FakeLipSyncService::ListLipSyncTasks(
    grpc::ServerContext* context, const v1::ListLipSyncTasksRequest* request,
    v1::ListLipSyncTasksResponse* response) {
  Record("ListLipSyncTasks", context);
  return Dispatch(list, context, request, response);
}

grpc::Status FakeLipSyncService::WatchLipSyncTask(
    grpc::ServerContext* context, const v1::WatchLipSyncTaskRequest* request,
    grpc::ServerWriter<v1::LipSyncTask>* writer) {
  Record("WatchLipSyncTask", context);
  return Dispatch(watch, context, request, writer);
}

FakeServer::FakeServer(FakeLipSyncService* service,
                       std::shared_ptr<grpc::ServerCredentials> credentials) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port);
  builder.SetMaxReceiveMessageSize(7 * 1024 * 1024);
  builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  target_ = absl::StrCat("127.0.0.1:", port);
}

FakeServer::~FakeServer() {
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
}

grpc::Status StatusWithDetails(
    grpc::StatusCode code, const std::string& message,
    const std::vector<const google::protobuf::Message*>& details) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(message);
  for (const google::protobuf::Message* detail : details) {
    status.add_details()->PackFrom(*detail);
  }
  return grpc::Status(code, message, status.SerializeAsString());
}

void WaitForCancellation(grpc::ServerContext* context) {
  while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(5));
}

}  // namespace lipsync::client::testing

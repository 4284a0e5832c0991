// The interceptor and AuthenticatedCaller against a real gRPC 1.51 callback
// server on loopback: what a caller sees, and what a handler must do.
#include "service/security/auth_interceptor.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "tests/security/temp_dir.h"
#include "tests/support/poll.h"

namespace lipsync::security {
namespace {

namespace v1 = ::kling::lipsync::v1;

using ::lipsync::testing_util::PollUntil;

constexpr char kAliceToken[] = "alice-token-0123456789";

// A tiny callback service. GetLipSyncTask and WatchLipSyncTask do what the
// gateway's handlers must: AuthenticatedCaller first, no work on failure.
// ListLipSyncTasks is careless (never checks), to show what the interceptor
// alone guarantees.
class TestService final : public v1::LipSyncService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetLipSyncTask(grpc::CallbackServerContext* context,
                                           const v1::GetLipSyncTaskRequest*,
                                           v1::LipSyncTask* response) override {
    auto* reactor = context->DefaultReactor();
    absl::StatusOr<std::string> caller = AuthenticatedCaller(*context);
    if (!caller.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                   std::string(caller.status().message())));
      return reactor;
    }
    ++work_done_;
    response->set_task_id("for-" + *caller);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListLipSyncTasks(
      grpc::CallbackServerContext* context, const v1::ListLipSyncTasksRequest*,
      v1::ListLipSyncTasksResponse* response) override {
    ++careless_calls_;
    response->add_tasks()->set_task_id("secret-task");
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<v1::LipSyncTask>* WatchLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::WatchLipSyncTaskRequest*) override {
    class Writer final : public grpc::ServerWriteReactor<v1::LipSyncTask> {
     public:
      explicit Writer(absl::Status auth) {
        if (!auth.ok()) {
          Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                              std::string(auth.message())));
          return;
        }
        task_.set_task_id("watched");
        StartWriteAndFinish(&task_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      v1::LipSyncTask task_;
    };
    return new Writer(AuthenticatedCaller(*context).status());
  }

  int work_done() const { return work_done_.load(); }
  int careless_calls() const { return careless_calls_.load(); }

 private:
  std::atomic<int> work_done_{0};
  std::atomic<int> careless_calls_{0};
};

class AuthInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_file_ = dir_.Write("tokens", std::string("alice:") + kAliceToken);
    absl::StatusOr<std::unique_ptr<TokenAuthenticator>> auth =
        TokenAuthenticator::FromFile(tokens_file_);
    ASSERT_TRUE(auth.ok()) << auth.status();
    auth_ = *std::move(auth);
    service_ = std::make_unique<TestService>();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(std::make_unique<AuthInterceptorFactory>(
        auth_, [this](absl::string_view method, absl::string_view) {
          absl::MutexLock lock(&mu_);
          rejected_.emplace_back(method);
        }));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::LipSyncService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // A client context with a deadline and, unless empty, the given
  // authorization value.
  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& authorization) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    if (!authorization.empty()) {
      context->AddMetadata("authorization", authorization);
    }
    return context;
  }

  grpc::Status Get(const std::string& authorization, v1::LipSyncTask* task) {
    auto context = Context(authorization);
    v1::GetLipSyncTaskRequest request;
    request.set_task_id("t1");
    return stub_->GetLipSyncTask(context.get(), request, task);
  }

  std::vector<std::string> rejected() {
    absl::MutexLock lock(&mu_);
    return rejected_;
  }

  testing_util::TempDir dir_;
  std::string tokens_file_;
  std::shared_ptr<TokenAuthenticator> auth_;
  std::unique_ptr<TestService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LipSyncService::Stub> stub_;
  absl::Mutex mu_;
  std::vector<std::string> rejected_ ABSL_GUARDED_BY(mu_);
};

TEST_F(AuthInterceptorTest, RejectsACallWithoutToken) {
  v1::LipSyncTask task;
  grpc::Status status = Get("", &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), kUnauthenticatedMessage);
  EXPECT_EQ(service_->work_done(), 0);
  EXPECT_EQ(rejected(), std::vector<std::string>{
                            "/kling.lipsync.v1.LipSyncService/GetLipSyncTask"});
}

TEST_F(AuthInterceptorTest, RejectsAWrongToken) {
  v1::LipSyncTask task;
  for (const std::string& value :
       {std::string("Bearer wrong-token-0123456789"),
        std::string("Basic ") + kAliceToken, std::string(kAliceToken)}) {
    grpc::Status status = Get(value, &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << value;
    EXPECT_EQ(status.error_message(), kUnauthenticatedMessage);
  }
  EXPECT_EQ(service_->work_done(), 0);
}

TEST_F(AuthInterceptorTest, AcceptsTheRightTokenAndNamesTheCaller) {
  v1::LipSyncTask task;
  grpc::Status status = Get(std::string("Bearer ") + kAliceToken, &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(task.task_id(), "for-alice");
  EXPECT_EQ(service_->work_done(), 1);
  EXPECT_TRUE(rejected().empty());
}

TEST_F(AuthInterceptorTest, RejectsTwoAuthorizationEntries) {
  auto context = Context(std::string("Bearer ") + kAliceToken);
  context->AddMetadata("authorization", "Bearer wrong-token-0123456789");
  v1::GetLipSyncTaskRequest request;
  v1::LipSyncTask task;
  EXPECT_EQ(stub_->GetLipSyncTask(context.get(), request, &task).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthInterceptorTest, HealthCheckNeedsNoToken) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  auto context = Context("");
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(rejected().empty());
}

TEST_F(AuthInterceptorTest, GuardsServerStreams) {
  v1::WatchLipSyncTaskRequest request;
  request.set_task_id("t1");
  v1::LipSyncTask task;
  {
    auto context = Context("");
    auto reader = stub_->WatchLipSyncTask(context.get(), request);
    EXPECT_FALSE(reader->Read(&task));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message(), kUnauthenticatedMessage);
  }
  {
    auto context = Context(std::string("Bearer ") + kAliceToken);
    auto reader = stub_->WatchLipSyncTask(context.get(), request);
    ASSERT_TRUE(reader->Read(&task));
    EXPECT_EQ(task.task_id(), "watched");
    EXPECT_FALSE(reader->Read(&task));
    EXPECT_TRUE(reader->Finish().ok());
  }
}

// Why handlers must call AuthenticatedCaller: in gRPC 1.51 a server interceptor
// cannot keep the handler from running. It does keep the handler's answer
// from reaching an unauthenticated caller.
TEST_F(AuthInterceptorTest, CarelessHandlerRunsButItsAnswerNeverLeaves) {
  auto context = Context("");
  v1::ListLipSyncTasksRequest request;
  v1::ListLipSyncTasksResponse response;
  grpc::Status status =
      stub_->ListLipSyncTasks(context.get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), kUnauthenticatedMessage);
  EXPECT_EQ(response.tasks_size(), 0);
  // The rejection is sent from the interceptor, before the handler is
  // invoked, so the handler may run a moment later.
  EXPECT_TRUE(PollUntil([&] { return service_->careless_calls() == 1; }));
}

// The identity key is the interceptor's: a client that sends it is neither
// authenticated by it nor named by it.
TEST_F(AuthInterceptorTest, IdentityInjectedByTheClientIsIgnored) {
  const std::string key(kCallerIdentityKey);
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("t1");
  v1::LipSyncTask task;
  {
    auto context = Context("");
    context->AddMetadata(key, "alice");
    grpc::Status status = stub_->GetLipSyncTask(context.get(), request, &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(status.error_message(), kUnauthenticatedMessage);
  }
  {
    auto context = Context("Bearer wrong-token-0123456789");
    context->AddMetadata(key, "alice");
    EXPECT_EQ(stub_->GetLipSyncTask(context.get(), request, &task).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(service_->work_done(), 0);
  {
    auto context = Context(std::string("Bearer ") + kAliceToken);
    context->AddMetadata(key, "mallory");
    context->AddMetadata(key, "root");
    grpc::Status status = stub_->GetLipSyncTask(context.get(), request, &task);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(task.task_id(), "for-alice");
  }
}

TEST_F(AuthInterceptorTest, ReloadTakesEffectForTheNextCall) {
  const std::string bob = "bob-token-0123456789abc";
  v1::LipSyncTask task;
  EXPECT_TRUE(Get(std::string("Bearer ") + kAliceToken, &task).ok());
  EXPECT_EQ(Get("Bearer " + bob, &task).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  dir_.Write("tokens", "bob:" + bob + "\n");
  ASSERT_TRUE(auth_->Reload().ok());
  EXPECT_EQ(Get(std::string("Bearer ") + kAliceToken, &task).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(Get("Bearer " + bob, &task).ok());
  EXPECT_EQ(task.task_id(), "for-bob");
}

TEST(IsAuthExemptMethodTest, ExemptsOnlyHealthAndReflection) {
  EXPECT_TRUE(IsAuthExemptMethod("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(IsAuthExemptMethod("/grpc.health.v1.Health/Watch"));
  EXPECT_TRUE(IsAuthExemptMethod(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_TRUE(IsAuthExemptMethod(
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(
      IsAuthExemptMethod("/kling.lipsync.v1.LipSyncService/GetLipSyncTask"));
  EXPECT_FALSE(IsAuthExemptMethod("/grpc.health.v1.HealthX/Check"));
  EXPECT_FALSE(IsAuthExemptMethod("/evil/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(IsAuthExemptMethod(""));
}

}  // namespace
}  // namespace lipsync::security

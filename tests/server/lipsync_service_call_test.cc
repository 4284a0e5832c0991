// The life of a unary call at the edge, seen through the service: the
// deadline the upstream call gets, cancellation reaching it, admission
// bounds, and every call finishing once (counted once, its in-flight slot
// and admission ticket released).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "service/common/status_details.h"
#include "tests/server/service_under_test.h"
#include "tests/server/unary_rpcs.h"
#include "tests/support/grpc_details.h"
#include "tests/support/held_upstream_client.h"
#include "tests/support/poll.h"
#include "tests/support/seed_requests.h"
#include "tests/support/wav_builder.h"

namespace lipsync::server_testing {
namespace {

using ::lipsync::testing::FindDetail;
using ::lipsync::testing_util::HeldUpstreamClient;
using ::lipsync::testing_util::PollUntil;

constexpr absl::Duration kSlack = absl::Milliseconds(50);

server::ServiceOptions Options() {
  server::ServiceOptions options;
  options.default_call_timeout = absl::Seconds(30);
  options.max_call_timeout = absl::Minutes(2);
  return options;
}

class LipSyncServiceCallTest : public ::testing::Test {
 protected:
  void Start(const server::ServiceOptions& options = Options()) {
    edge_ = std::make_unique<ServiceUnderTest>(
        upstream_, options, [upstream = upstream_] {
          upstream->FailAllPending(absl::CancelledError("test over"));
        });
  }

  // The deadline the upstream saw on call `i`.
  absl::Time UpstreamDeadline(std::size_t i) {
    return upstream_->call(i).context->deadline();
  }

  bool NothingInFlight() {
    return edge_->service().admission().in_flight_calls() == 0 &&
           edge_->Sample("lipsync_in_flight_calls") == 0;
  }

  std::shared_ptr<HeldUpstreamClient> upstream_ =
      std::make_shared<HeldUpstreamClient>();
  std::unique_ptr<ServiceUnderTest> edge_;
};

TEST_F(LipSyncServiceCallTest, UpstreamSeesTheCallersDeadline) {
  Start();
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const std::size_t index = upstream_->calls();
    const absl::Time before = absl::Now();
    const absl::Time caller_deadline = before + absl::Seconds(10);
    PendingRpc pending(edge_->stub(), rpc, caller_deadline);
    ASSERT_TRUE(upstream_->WaitForCalls(index + 1));
    const absl::Time after = absl::Now();
    EXPECT_EQ(upstream_->call(index).method, RpcName(rpc));
    // gRPC sends the time left; the server adds it to its own clock on
    // arrival, so the deadline may move later by the transit time (and by
    // gRPC's rounding and clock conversions, well under kSlack).
    EXPECT_GE(UpstreamDeadline(index), caller_deadline - kSlack);
    EXPECT_LE(UpstreamDeadline(index),
              caller_deadline + (after - before) + kSlack);
    upstream_->Fail(index, absl::UnavailableError("test"));
  }
}

TEST_F(LipSyncServiceCallTest,
       UpstreamGetsTheDefaultDeadlineWhenCallerSetsNone) {
  Start();
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const std::size_t index = upstream_->calls();
    const absl::Time before = absl::Now();
    PendingRpc pending(edge_->stub(), rpc, /*deadline=*/std::nullopt);
    ASSERT_TRUE(upstream_->WaitForCalls(index + 1));
    const absl::Time after = absl::Now();
    EXPECT_GE(UpstreamDeadline(index), before + absl::Seconds(30));
    EXPECT_LE(UpstreamDeadline(index), after + absl::Seconds(30) + kSlack);
    upstream_->Fail(index, absl::UnavailableError("test"));
  }
}

TEST_F(LipSyncServiceCallTest, UpstreamDeadlineIsCappedAtTheMaximum) {
  Start();
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const std::size_t index = upstream_->calls();
    const absl::Time before = absl::Now();
    PendingRpc pending(edge_->stub(), rpc, before + absl::Hours(1));
    ASSERT_TRUE(upstream_->WaitForCalls(index + 1));
    const absl::Time after = absl::Now();
    EXPECT_GE(UpstreamDeadline(index), before + absl::Minutes(2));
    EXPECT_LE(UpstreamDeadline(index), after + absl::Minutes(2) + kSlack);
    upstream_->Fail(index, absl::UnavailableError("test"));
  }
}

// A deadline years away is a deadline (capped), not "no deadline".
TEST_F(LipSyncServiceCallTest, AFarCallerDeadlineIsCappedNotDefaulted) {
  Start();
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const std::size_t index = upstream_->calls();
    const absl::Time before = absl::Now();
    PendingRpc pending(edge_->stub(), rpc, before + absl::Hours(24 * 800));
    ASSERT_TRUE(upstream_->WaitForCalls(index + 1));
    const absl::Time after = absl::Now();
    EXPECT_GE(UpstreamDeadline(index), before + absl::Minutes(2));
    EXPECT_LE(UpstreamDeadline(index), after + absl::Minutes(2) + kSlack);
    upstream_->Fail(index, absl::UnavailableError("test"));
  }
}

TEST_F(LipSyncServiceCallTest, CallerCancellationCancelsTheUpstreamCall) {
  Start();
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const std::size_t index = upstream_->calls();
    PendingRpc pending(edge_->stub(), rpc);
    ASSERT_TRUE(upstream_->WaitForCalls(index + 1));
    EXPECT_FALSE(upstream_->call(index).context->cancelled());
    pending.Cancel();
    EXPECT_TRUE(
        PollUntil([&] { return upstream_->call(index).context->cancelled(); }));
    EXPECT_EQ(pending.WaitForStatus().error_code(),
              grpc::StatusCode::CANCELLED);
    // The upstream answers late, as a transfer aborted mid-way does: the
    // call still finishes and gives back what it held.
    upstream_->Fail(index, absl::CancelledError("transfer aborted"));
    EXPECT_TRUE(PollUntil([&] { return NothingInFlight(); }));
  }
}

TEST_F(LipSyncServiceCallTest, CallsOverTheInFlightBoundAreRefusedUnsent) {
  server::ServiceOptions options = Options();
  options.admission.max_in_flight_calls = 1;
  Start(options);
  PendingRpc holder(edge_->stub(), Rpc::kGetLipSyncTask);
  ASSERT_TRUE(upstream_->WaitForCalls(1));
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const RpcResult refused = CallValid(edge_->stub(), rpc);
    EXPECT_EQ(refused.status.error_code(),
              grpc::StatusCode::RESOURCE_EXHAUSTED);
    auto info = FindDetail<google::rpc::ErrorInfo>(refused.status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "GATEWAY_OVERLOADED");
    EXPECT_EQ(info->metadata().at("bound"), "in-flight calls");
    EXPECT_EQ(refused.trailers.at("grpc-retry-pushback-ms"), "100");
  }
  EXPECT_EQ(upstream_->calls(), 1u);
  // Finishing the call that holds the slot frees it for the next one.
  upstream_->Answer(0, v1::LipSyncTask());
  EXPECT_TRUE(holder.WaitForStatus().ok());
  ASSERT_TRUE(PollUntil([&] { return NothingInFlight(); }));
  PendingRpc next(edge_->stub(), Rpc::kListLipSyncTasks);
  EXPECT_TRUE(upstream_->WaitForCalls(2));
  upstream_->Answer(1, v1::ListLipSyncTasksResponse());
  EXPECT_TRUE(next.WaitForStatus().ok());
}

TEST_F(LipSyncServiceCallTest, CreatesOverTheAudioBudgetAreRefusedUnsent) {
  v1::CreateLipSyncTaskRequest request = testing::SeedRequest();
  request.mutable_face_choose(0)->clear_audio_id();
  request.mutable_face_choose(0)->set_sound_file_bytes(
      testing::MakeWav(8000, 6000));
  server::ServiceOptions options = Options();
  options.admission.max_audio_bytes_in_flight =
      request.face_choose(0).sound_file_bytes().size() + 1;
  Start(options);
  PendingRpc first(edge_->stub(), request);
  ASSERT_TRUE(upstream_->WaitForCalls(1));
  EXPECT_EQ(edge_->service().admission().audio_bytes_in_flight(),
            request.face_choose(0).sound_file_bytes().size());

  grpc::ClientContext second_context;
  v1::LipSyncTask second_task;
  const grpc::Status refused =
      edge_->stub().CreateLipSyncTask(&second_context, request, &second_task);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto info = FindDetail<google::rpc::ErrorInfo>(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("bound"), "audio bytes in flight");
  // A call without audio is not held back by the audio budget.
  PendingRpc get(edge_->stub(), Rpc::kGetLipSyncTask);
  ASSERT_TRUE(upstream_->WaitForCalls(2));
  EXPECT_EQ(upstream_->call(1).method, "GetLipSyncTask");

  upstream_->FailAllPending(absl::UnavailableError("test"));
  EXPECT_EQ(first.WaitForStatus().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(get.WaitForStatus().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(PollUntil([&] { return NothingInFlight(); }));
  EXPECT_EQ(edge_->service().admission().audio_bytes_in_flight(), 0u);
  EXPECT_EQ(edge_->Sample("lipsync_audio_bytes_in_flight"), 0);
}

TEST_F(LipSyncServiceCallTest, EveryCallFinishesOnceWhateverItsPath) {
  server::ServiceOptions options = Options();
  options.admission.max_in_flight_calls = 1;
  Start(options);
  // Refused by validation.
  grpc::ClientContext invalid_context;
  v1::LipSyncTask task;
  EXPECT_EQ(
      edge_->stub()
          .GetLipSyncTask(&invalid_context, v1::GetLipSyncTaskRequest(), &task)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  {
    PendingRpc held(edge_->stub(), Rpc::kGetLipSyncTask);
    ASSERT_TRUE(upstream_->WaitForCalls(1));
    // Refused by admission while the first is held.
    EXPECT_EQ(
        CallValid(edge_->stub(), Rpc::kGetLipSyncTask).status.error_code(),
        grpc::StatusCode::RESOURCE_EXHAUSTED);
    upstream_->Answer(0, v1::LipSyncTask());
    EXPECT_TRUE(held.WaitForStatus().ok());
  }
  ASSERT_TRUE(PollUntil([&] { return NothingInFlight(); }));
  {
    PendingRpc failed(edge_->stub(), Rpc::kGetLipSyncTask);
    ASSERT_TRUE(upstream_->WaitForCalls(2));
    upstream_->Fail(1, absl::UnavailableError("test"));
    EXPECT_EQ(failed.WaitForStatus().error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_TRUE(PollUntil([&] { return NothingInFlight(); }));
  EXPECT_EQ(edge_->Handled("GetLipSyncTask", "InvalidArgument"), 1);
  EXPECT_EQ(edge_->Handled("GetLipSyncTask", "ResourceExhausted"), 1);
  EXPECT_EQ(edge_->Handled("GetLipSyncTask", "OK"), 1);
  EXPECT_EQ(edge_->Handled("GetLipSyncTask", "Unavailable"), 1);
}

}  // namespace
}  // namespace lipsync::server_testing

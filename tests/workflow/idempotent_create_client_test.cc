#include "service/workflow/idempotent_create_client.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/translate/kling_error.h"
#include "tests/support/mock_upstream_client.h"

namespace lipsync::workflow {
namespace {

// Holds each create until the test completes it, to control interleavings.
class HeldUpstream final : public upstream::UpstreamClient {
 public:
  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest& request,
      upstream::UpstreamCallback<v1::LipSyncTask> done) override {
    creates.push_back(request.message());
    create_addresses.push_back(&request.message());
    create_external_ids.push_back(call->upstream_external_task_id());
    pending_creates.push_back(std::move(done));
  }
  void GetLipSyncTask(
      std::shared_ptr<CallContext>, const v1::GetLipSyncTaskRequest& request,
      upstream::UpstreamCallback<v1::LipSyncTask> done) override {
    gets.push_back(request);
    v1::LipSyncTask task;
    task.set_task_id("existing-42");
    done(task);
  }
  void IdentifyFace(
      std::shared_ptr<CallContext>, const v1::IdentifyFaceRequest&,
      upstream::UpstreamCallback<v1::IdentifyFaceResponse> done) override {
    done(absl::UnimplementedError("not used"));
  }
  void ListLipSyncTasks(
      std::shared_ptr<CallContext>, const v1::ListLipSyncTasksRequest&,
      upstream::UpstreamCallback<v1::ListLipSyncTasksResponse> done) override {
    done(absl::UnimplementedError("not used"));
  }

  std::vector<v1::CreateLipSyncTaskRequest> creates;
  // Where each create's message was: the caller's object, not a copy.
  std::vector<const v1::CreateLipSyncTaskRequest*> create_addresses;
  // The external_task_id each create is told to send (CallContext).
  std::vector<std::string> create_external_ids;
  std::vector<upstream::UpstreamCallback<v1::LipSyncTask>> pending_creates;
  std::vector<v1::GetLipSyncTaskRequest> gets;
};

v1::CreateLipSyncTaskRequest Request(const std::string& key) {
  v1::CreateLipSyncTaskRequest r;
  r.set_session_id("s");
  r.set_request_id(key);
  auto* f = r.add_face_choose();
  f->set_face_id("f");
  f->set_audio_id("a");
  f->set_sound_start_time(0);
  f->set_sound_end_time(3000);
  return r;
}

// The upstream's refusal as the translation layer builds it.
absl::Status DuplicateRefusal(const std::string& kling_message) {
  return translate::UpstreamErrorToStatus(
      {400, 1201, kling_message, "req-dup", std::nullopt});
}

v1::LipSyncTask Task(const std::string& id) {
  v1::LipSyncTask t;
  t.set_task_id(id);
  return t;
}

class IdempotentCreateClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<HeldUpstream> upstream_ = std::make_shared<HeldUpstream>();
  absl::Time now_ = absl::FromUnixSeconds(1000);
  IdempotentCreateClient client_{
      upstream_, {/*max_entries=*/2, absl::Hours(1)}, [this] { return now_; }};
  std::shared_ptr<CallContext> call_ =
      std::make_shared<CallContext>(absl::InfiniteFuture());
  std::vector<absl::StatusOr<v1::LipSyncTask>> results_;
  upstream::UpstreamCallback<v1::LipSyncTask> Collect() {
    return [this](absl::StatusOr<v1::LipSyncTask> r) { results_.push_back(r); };
  }
};

TEST_F(IdempotentCreateClientTest, ConcurrentSameKeyJoinsOneUpstreamCreate) {
  for (int i = 0; i < 3; ++i)
    client_.CreateLipSyncTask(call_, Request("k"), Collect());
  ASSERT_EQ(upstream_->creates.size(), 1u);
  EXPECT_EQ(upstream_->create_external_ids[0], "k");
  upstream_->pending_creates[0](Task("t1"));
  ASSERT_EQ(results_.size(), 3u);
  for (const auto& r : results_) EXPECT_EQ(r->task_id(), "t1");
}

TEST_F(IdempotentCreateClientTest, CompletedKeyReplaysWithoutUpstream) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  upstream_->pending_creates[0](Task("t1"));
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  EXPECT_EQ(upstream_->creates.size(), 1u);
  EXPECT_EQ(results_.back()->task_id(), "t1");
}

TEST_F(IdempotentCreateClientTest, ReplayExpiresAfterTtl) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  upstream_->pending_creates[0](Task("t1"));
  now_ += absl::Hours(1);
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  EXPECT_EQ(upstream_->creates.size(), 2u);
}

TEST_F(IdempotentCreateClientTest, SameKeyDifferentRequestIsRejected) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  auto other = Request("k");
  other.mutable_face_choose(0)->set_sound_end_time(4000);
  client_.CreateLipSyncTask(call_, other, Collect());
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetErrorInfo(results_[0].status())->reason(),
            "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(IdempotentCreateClientTest, FailureIsNotRememberedSoARetryResends) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  upstream_->pending_creates[0](absl::UnavailableError("reset"));
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  EXPECT_EQ(upstream_->creates.size(), 2u);
  EXPECT_EQ(client_.entries(), 1u);
}

TEST_F(IdempotentCreateClientTest, UpstreamDuplicateIsResolvedByLookup) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  upstream_->pending_creates[0](
      DuplicateRefusal("duplicate external_task_id: k"));
  ASSERT_EQ(upstream_->gets.size(), 1u);
  EXPECT_EQ(upstream_->gets[0].external_task_id(), "k");
  ASSERT_TRUE(results_[0].ok());
  EXPECT_EQ(results_[0]->task_id(), "existing-42");
}

// The refusal is recognised from the translation layer's typed error, not
// from ErrorInfo text that anything could have written.
TEST_F(IdempotentCreateClientTest, LookAlikeErrorInfoIsNotResolved) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  const absl::Status refusal =
      DuplicateRefusal("duplicate external_task_id: k");
  const absl::Status look_alike = WithErrorInfo(
      absl::InvalidArgumentError(refusal.message()), *GetErrorInfo(refusal));
  upstream_->pending_creates[0](look_alike);
  EXPECT_TRUE(upstream_->gets.empty());
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].status(), look_alike);
}

TEST_F(IdempotentCreateClientTest, OtherInvalidArgumentRefusalsPassThrough) {
  client_.CreateLipSyncTask(call_, Request("k"), Collect());
  const absl::Status refusal = translate::UpstreamErrorToStatus(
      {400, 1201, "sound_volume is invalid", "r", std::nullopt});
  upstream_->pending_creates[0](refusal);
  EXPECT_TRUE(upstream_->gets.empty());
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].status(), refusal);
}

TEST_F(IdempotentCreateClientTest, RequestsWithoutKeyPassStraightThrough) {
  auto r = Request("");
  client_.CreateLipSyncTask(call_, r, Collect());
  client_.CreateLipSyncTask(call_, r, Collect());
  EXPECT_EQ(upstream_->creates.size(), 2u);
  EXPECT_TRUE(upstream_->creates[0].external_task_id().empty());
  EXPECT_TRUE(upstream_->create_external_ids[0].empty());
}

// The leader's request (5 MB of audio in production) goes down as is: no
// copy to set external_task_id, which travels on the call's context instead.
TEST_F(IdempotentCreateClientTest, LeaderPassesTheCallersRequestWithoutACopy) {
  auto r = Request("k");
  r.add_face_choose()->set_sound_file_bytes(std::string(1 << 20, 'x'));
  client_.CreateLipSyncTask(call_, r, Collect());
  ASSERT_EQ(upstream_->create_addresses.size(), 1u);
  EXPECT_EQ(upstream_->create_addresses[0], &r);
  EXPECT_TRUE(r.external_task_id().empty());  // the caller's request is intact
  EXPECT_EQ(upstream_->create_external_ids[0], "k");
  upstream_->pending_creates[0](Task("t1"));
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0]->task_id(), "t1");
}

// A request_id is the key, but the caller's own external_task_id is what the
// upstream gets (and what a duplicate refusal is resolved with).
TEST_F(IdempotentCreateClientTest, CallersOwnExternalTaskIdIsKept) {
  auto r = Request("k");
  r.set_external_task_id("mine");
  client_.CreateLipSyncTask(call_, r, Collect());
  ASSERT_EQ(upstream_->creates.size(), 1u);
  EXPECT_EQ(upstream_->creates[0].external_task_id(), "mine");
  EXPECT_EQ(upstream_->create_external_ids[0], "mine");
  upstream_->pending_creates[0](
      DuplicateRefusal("duplicate external_task_id: mine"));
  ASSERT_EQ(upstream_->gets.size(), 1u);
  EXPECT_EQ(upstream_->gets[0].external_task_id(), "mine");
}

TEST_F(IdempotentCreateClientTest, MemoryIsBoundedByMaxEntries) {
  for (const char* key : {"a", "b", "c"}) {
    client_.CreateLipSyncTask(call_, Request(key), Collect());
    upstream_->pending_creates.back()(Task(key));
  }
  EXPECT_EQ(client_.entries(), 2u);
}

// Creates are this decorator's only business: every other operation reaches
// the child as it came (the same call and request objects), and its outcome
// comes back unchanged.
TEST(IdempotentCreateClientPassThroughTest, OtherOperationsReachTheChild) {
  using ::testing::_;
  using ::testing::Ref;
  using testing_util::CompleteWith;
  auto child = std::make_shared<
      ::testing::StrictMock<testing_util::MockUpstreamClient>>();
  IdempotentCreateClient client(child, IdempotencyOptions{});
  auto call = std::make_shared<CallContext>(absl::InfiniteFuture());

  v1::IdentifyFaceRequest identify;
  identify.set_video_id("v");
  v1::IdentifyFaceResponse faces;
  faces.set_session_id("s");
  EXPECT_CALL(*child, IdentifyFace(call, Ref(identify), _))
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(faces));
  v1::GetLipSyncTaskRequest get;
  get.set_task_id("t");
  EXPECT_CALL(*child, GetLipSyncTask(call, Ref(get), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task("t")));
  v1::ListLipSyncTasksRequest list;
  list.set_page_size(3);
  EXPECT_CALL(*child, ListLipSyncTasks(call, Ref(list), _))
      .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(
          absl::NotFoundError("none")));

  std::vector<std::string> outcomes;
  client.IdentifyFace(call, identify,
                      [&](absl::StatusOr<v1::IdentifyFaceResponse> r) {
                        outcomes.push_back(r->session_id());
                      });
  client.GetLipSyncTask(call, get, [&](absl::StatusOr<v1::LipSyncTask> r) {
    outcomes.push_back(r->task_id());
  });
  client.ListLipSyncTasks(call, list,
                          [&](absl::StatusOr<v1::ListLipSyncTasksResponse> r) {
                            outcomes.push_back(r.status().ToString());
                          });
  EXPECT_THAT(outcomes, ::testing::ElementsAre("s", "t", "NOT_FOUND: none"));
  EXPECT_EQ(client.entries(), 0u);
}

}  // namespace
}  // namespace lipsync::workflow

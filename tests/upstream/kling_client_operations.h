// The four operations of KlingUpstreamClient as rows of one shape, for the
// tests that hold for every operation (headers, call context, error
// answers), and a collector for an operation's outcome.
#ifndef LIPSYNC_TESTS_UPSTREAM_KLING_CLIENT_OPERATIONS_H_
#define LIPSYNC_TESTS_UPSTREAM_KLING_CLIENT_OPERATIONS_H_

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/call_context.h"
#include "service/upstream/http_transport.h"
#include "service/upstream/upstream_client.h"

namespace lipsync::upstream::kling_testing {

// Base URL the tests configure, and the key the credentials hold.
inline constexpr char kBaseUrl[] = "https://kling.test/kling";
inline constexpr char kApiKey[] = "sk-test-0123";

// Collects the outcome of one operation.
template <typename T>
class Outcome {
 public:
  UpstreamCallback<T> Callback() {
    return [this](absl::StatusOr<T> result) {
      ++calls_;
      result_ = std::move(result);
    };
  }
  // Times the callback ran (the contract: exactly once).
  int calls() const { return calls_; }
  bool done() const { return calls_ > 0; }
  const absl::StatusOr<T>& result() const { return *result_; }

 private:
  int calls_ = 0;
  std::optional<absl::StatusOr<T>> result_;
};

struct Operation {
  std::string name;
  HttpMethod method;
  // The URL the operation must request.
  std::string url;
  // Starts the operation on `client` with `call`; `done` gets its status
  // (OK when it produced a value). The request lives until `done`.
  std::function<void(UpstreamClient& client, std::shared_ptr<CallContext> call,
                     std::function<void(absl::Status)> done)>
      start;
};

inline void PrintTo(const Operation& op, std::ostream* os) { *os << op.name; }

// IdentifyFace, CreateLipSyncTask, GetLipSyncTask, ListLipSyncTasks, each
// with a valid request.
inline std::vector<Operation> AllOperations() {
  const std::string lip_sync =
      std::string(kBaseUrl) + "/v1/videos/advanced-lip-sync";
  std::vector<Operation> ops;
  ops.push_back({"IdentifyFace", HttpMethod::kPost,
                 std::string(kBaseUrl) + "/v1/videos/identify-face",
                 [](UpstreamClient& client, std::shared_ptr<CallContext> call,
                    std::function<void(absl::Status)> done) {
                   auto request = std::make_shared<v1::IdentifyFaceRequest>();
                   request->set_video_url("https://cdn.test/video.mp4");
                   client.IdentifyFace(
                       std::move(call), *request,
                       [request, done = std::move(done)](
                           absl::StatusOr<v1::IdentifyFaceResponse> r) {
                         done(r.status());
                       });
                 }});
  ops.push_back(
      {"CreateLipSyncTask", HttpMethod::kPost, lip_sync,
       [](UpstreamClient& client, std::shared_ptr<CallContext> call,
          std::function<void(absl::Status)> done) {
         auto request = std::make_shared<v1::CreateLipSyncTaskRequest>();
         request->set_session_id("825465778199224380");
         auto* face = request->add_face_choose();
         face->set_face_id("0");
         face->set_audio_id("825451760499568680");
         face->set_sound_start_time(0);
         face->set_sound_end_time(5000);
         face->set_sound_insert_time(1000);
         face->set_sound_volume(1);
         face->set_original_audio_volume(1);
         client.CreateLipSyncTask(
             std::move(call), *request,
             [request, done = std::move(done)](
                 absl::StatusOr<v1::LipSyncTask> r) { done(r.status()); });
       }});
  ops.push_back(
      {"GetLipSyncTask", HttpMethod::kGet, lip_sync + "/825",
       [](UpstreamClient& client, std::shared_ptr<CallContext> call,
          std::function<void(absl::Status)> done) {
         v1::GetLipSyncTaskRequest request;
         request.set_task_id("825");
         client.GetLipSyncTask(
             std::move(call), request,
             [done = std::move(done)](absl::StatusOr<v1::LipSyncTask> r) {
               done(r.status());
             });
       }});
  ops.push_back({"ListLipSyncTasks", HttpMethod::kGet,
                 lip_sync + "?pageNum=2&pageSize=10",
                 [](UpstreamClient& client, std::shared_ptr<CallContext> call,
                    std::function<void(absl::Status)> done) {
                   v1::ListLipSyncTasksRequest request;
                   request.set_page_num(2);
                   request.set_page_size(10);
                   client.ListLipSyncTasks(
                       std::move(call), request,
                       [done = std::move(done)](
                           absl::StatusOr<v1::ListLipSyncTasksResponse> r) {
                         done(r.status());
                       });
                 }});
  return ops;
}

}  // namespace lipsync::upstream::kling_testing

#endif  // LIPSYNC_TESTS_UPSTREAM_KLING_CLIENT_OPERATIONS_H_

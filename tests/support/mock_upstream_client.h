// gMock of the UpstreamClient seam, for the decorator and service tests.
#ifndef LIPSYNC_TESTS_SUPPORT_MOCK_UPSTREAM_CLIENT_H_
#define LIPSYNC_TESTS_SUPPORT_MOCK_UPSTREAM_CLIENT_H_

#include <gmock/gmock.h>

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "service/upstream/upstream_client.h"

namespace lipsync::testing_util {

namespace v1 = ::kling::lipsync::v1;
using upstream::UpstreamCallback;

class MockUpstreamClient : public upstream::UpstreamClient {
 public:
  MOCK_METHOD(void, IdentifyFace,
              (std::shared_ptr<CallContext>, const v1::IdentifyFaceRequest&,
               UpstreamCallback<v1::IdentifyFaceResponse>),
              (override));
  MOCK_METHOD(void, CreateLipSyncTask,
              (std::shared_ptr<CallContext>, const CreateRequest&,
               UpstreamCallback<v1::LipSyncTask>),
              (override));
  MOCK_METHOD(void, GetLipSyncTask,
              (std::shared_ptr<CallContext>, const v1::GetLipSyncTaskRequest&,
               UpstreamCallback<v1::LipSyncTask>),
              (override));
  MOCK_METHOD(void, ListLipSyncTasks,
              (std::shared_ptr<CallContext>, const v1::ListLipSyncTasksRequest&,
               UpstreamCallback<v1::ListLipSyncTasksResponse>),
              (override));
};

// A mock action that completes the call at once, on the calling thread, with
// `outcome` (a Status or a T).
template <typename T>
auto CompleteWith(absl::StatusOr<T> outcome) {
  return [outcome = std::move(outcome)](std::shared_ptr<CallContext>,
                                        const auto&, UpstreamCallback<T> done) {
    done(outcome);
  };
}

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_MOCK_UPSTREAM_CLIENT_H_

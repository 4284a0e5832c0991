// One valid request of each read RPC, for tests that need a request the
// gateway's validation accepts (the create's is SeedRequest() in
// tests/support/seed_requests.h).
#ifndef LIPSYNC_TESTS_SUPPORT_VALID_REQUESTS_H_
#define LIPSYNC_TESTS_SUPPORT_VALID_REQUESTS_H_

#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::testing_util {

inline ::kling::lipsync::v1::IdentifyFaceRequest ValidIdentifyFaceRequest() {
  ::kling::lipsync::v1::IdentifyFaceRequest request;
  request.set_video_id("825465778199224380");
  return request;
}

inline ::kling::lipsync::v1::GetLipSyncTaskRequest ValidGetTaskRequest() {
  ::kling::lipsync::v1::GetLipSyncTaskRequest request;
  request.set_task_id("860998742405136384");
  return request;
}

inline ::kling::lipsync::v1::ListLipSyncTasksRequest ValidListTasksRequest() {
  ::kling::lipsync::v1::ListLipSyncTasksRequest request;
  request.set_page_num(2);
  request.set_page_size(50);
  return request;
}

inline ::kling::lipsync::v1::WatchLipSyncTaskRequest ValidWatchTaskRequest() {
  ::kling::lipsync::v1::WatchLipSyncTaskRequest request;
  request.set_task_id("860998742405136384");
  return request;
}

}  // namespace lipsync::testing_util

#endif  // LIPSYNC_TESTS_SUPPORT_VALID_REQUESTS_H_

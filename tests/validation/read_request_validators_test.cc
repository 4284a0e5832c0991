#include "service/validation/read_request_validators.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/validation/test_requests.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::GetLipSyncTaskRequest;
using ::kling::lipsync::v1::IdentifyFaceRequest;
using ::kling::lipsync::v1::ListLipSyncTasksRequest;
using ::kling::lipsync::v1::WatchLipSyncTaskRequest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(IdentifyFaceValidatorTest, AcceptsExactlyOneVideoSource) {
  IdentifyFaceRequest by_id;
  by_id.set_video_id("825465778199224380");
  EXPECT_THAT(ValidateIdentifyFaceRequest(by_id), IsEmpty());
  IdentifyFaceRequest by_url;
  by_url.set_video_url("https://cdn.example.com/v.mp4");
  EXPECT_THAT(ValidateIdentifyFaceRequest(by_url), IsEmpty());
}

TEST(IdentifyFaceValidatorTest, RejectsNeitherOrBothSources) {
  EXPECT_THAT(ValidateIdentifyFaceRequest(IdentifyFaceRequest()),
              ElementsAre(ViolationOf(
                  "video_id",
                  "exactly one of video_id and video_url must be set; "
                  "neither is")));
  IdentifyFaceRequest both;
  both.set_video_id("1");
  both.set_video_url("https://cdn.example.com/v.mp4");
  EXPECT_THAT(ValidateIdentifyFaceRequest(both),
              ElementsAre(ViolationOf("video_id", "both are")));
}

TEST(IdentifyFaceValidatorTest, ChecksTheChosenSource) {
  IdentifyFaceRequest bad_id;
  bad_id.set_video_id("a\nb");
  EXPECT_THAT(ValidateIdentifyFaceRequest(bad_id),
              ElementsAre(ViolationOf("video_id", "control")));
  IdentifyFaceRequest bad_url;
  bad_url.set_video_url("http://user:pass@cdn.example.com/v.mp4");
  EXPECT_THAT(ValidateIdentifyFaceRequest(bad_url),
              ElementsAre(ViolationOf("video_url", "credentials")));
}

TEST(GetTaskValidatorTest, NeedsExactlyOneTaskReference) {
  GetLipSyncTaskRequest by_id;
  by_id.set_task_id("825465778199224380");
  EXPECT_THAT(ValidateGetTaskRequest(by_id), IsEmpty());
  GetLipSyncTaskRequest by_external;
  by_external.set_external_task_id("order-42");
  EXPECT_THAT(ValidateGetTaskRequest(by_external), IsEmpty());
  EXPECT_THAT(ValidateGetTaskRequest(GetLipSyncTaskRequest()),
              ElementsAre(ViolationOf("task_id", "neither is")));
  GetLipSyncTaskRequest both = by_id;
  both.set_external_task_id("order-42");
  EXPECT_THAT(ValidateGetTaskRequest(both),
              ElementsAre(ViolationOf("task_id", "both are")));
}

TEST(GetTaskValidatorTest, ChecksIdRules) {
  GetLipSyncTaskRequest request;
  request.set_external_task_id(std::string(257, 'x'));
  EXPECT_THAT(ValidateGetTaskRequest(request),
              ElementsAre(ViolationOf("external_task_id", "at most 256")));
}

// "." and ".." would be resolved as path steps in GET .../{id}.
TEST(GetTaskValidatorTest, RejectsDotSegmentIds) {
  for (const char* id : {".", ".."}) {
    GetLipSyncTaskRequest by_id;
    by_id.set_task_id(id);
    EXPECT_THAT(ValidateGetTaskRequest(by_id),
                ElementsAre(ViolationOf("task_id", "path segment")))
        << id;
    GetLipSyncTaskRequest by_external;
    by_external.set_external_task_id(id);
    EXPECT_THAT(ValidateGetTaskRequest(by_external),
                ElementsAre(ViolationOf("external_task_id", "path segment")))
        << id;
  }
}

TEST(WatchTaskValidatorTest, FollowsTheGetRules) {
  EXPECT_THAT(ValidateWatchTaskRequest(WatchLipSyncTaskRequest()),
              ElementsAre(ViolationOf("task_id", "neither is")));
  WatchLipSyncTaskRequest request;
  request.set_task_id("1\x7F");
  EXPECT_THAT(ValidateWatchTaskRequest(request),
              ElementsAre(ViolationOf("task_id", "control")));
  request.set_task_id("825465778199224380");
  EXPECT_THAT(ValidateWatchTaskRequest(request), IsEmpty());
}

TEST(ListTasksValidatorTest, PagingIsZeroOrWithinUpstreamBounds) {
  struct Case {
    int page_num;
    int page_size;
    std::vector<std::string> fields;
  };
  const Case cases[] = {
      {0, 0, {}},
      {1, 1, {}},
      {1000, 500, {}},
      {1001, 30, {"page_num"}},
      {-1, 30, {"page_num"}},
      {1, 501, {"page_size"}},
      {1, -1, {"page_size"}},
      {INT32_MIN, INT32_MAX, {"page_num", "page_size"}},
  };
  for (const Case& c : cases) {
    ListLipSyncTasksRequest request;
    request.set_page_num(c.page_num);
    request.set_page_size(c.page_size);
    EXPECT_EQ(FieldsOf(ValidateListTasksRequest(request)), c.fields)
        << c.page_num << "/" << c.page_size;
  }
  ListLipSyncTasksRequest request;
  request.set_page_size(501);
  EXPECT_THAT(ValidateListTasksRequest(request),
              ElementsAre(ViolationOf("page_size",
                                      "must be in [1, 500], or 0 for 30 "
                                      "(got 501)")));
}

}  // namespace
}  // namespace lipsync::validation

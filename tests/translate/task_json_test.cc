#include "service/translate/task_json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/translate/error_reasons.h"
#include "service/translate/task_status.h"
#include "tests/translate/status_testing.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::translate::testing::MetadataOf;
using ::lipsync::translate::testing::ReasonOf;
using ::lipsync::translate::testing::StatusIs;
using Json = nlohmann::json;

Envelope MakeEnvelope(const std::string& data_json, std::string request_id) {
  return Envelope{std::move(request_id), Json::parse(data_json)};
}

// A complete task as CONTRACT §3 describes it.
constexpr char kFullTask[] = R"({
  "task_id": "860998742405136384",
  "task_status": "succeed",
  "task_status_msg": "",
  "task_info": {
    "parent_video": {"id": "860338213181558795",
                     "url": "https://cdn.example.com/parent.mp4",
                     "duration": "5.0"},
    "external_task_id": "my-task-1"
  },
  "task_result": {"videos": [{"id": "860998742606462976",
                              "url": "https://cdn.example.com/out.mp4",
                              "watermark_url": "https://cdn.example.com/w.mp4",
                              "duration": "5.2"}]},
  "watermark_info": {"enabled": true},
  "final_unit_deduction": "5",
  "final_balance_deduction": {"quota": "4.5", "list_price": "0.7"},
  "created_at": 1722769557708,
  "updated_at": 1722769597708
})";

TEST(TaskJsonTest, ParsesAFullTask) {
  auto task = ParseTaskAnswer(MakeEnvelope(kFullTask, "req-9"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "860998742405136384");
  EXPECT_EQ(task->task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_EQ(task->task_info().parent_video().id(), "860338213181558795");
  EXPECT_EQ(task->task_info().parent_video().url(),
            "https://cdn.example.com/parent.mp4");
  EXPECT_EQ(task->task_info().parent_video().duration(), "5.0");
  EXPECT_EQ(task->task_info().external_task_id(), "my-task-1");
  ASSERT_EQ(task->task_result().videos_size(), 1);
  const v1::ResultVideo& video = task->task_result().videos(0);
  EXPECT_EQ(video.id(), "860998742606462976");
  EXPECT_EQ(video.url(), "https://cdn.example.com/out.mp4");
  EXPECT_EQ(video.watermark_url(), "https://cdn.example.com/w.mp4");
  EXPECT_EQ(video.duration(), "5.2");
  EXPECT_TRUE(task->watermark_info().enabled());
  EXPECT_EQ(task->final_unit_deduction(), "5");
  EXPECT_EQ(task->final_balance_deduction().quota(), "4.5");
  EXPECT_EQ(task->final_balance_deduction().list_price(), "0.7");
  EXPECT_EQ(task->created_at(), 1722769557708);
  EXPECT_EQ(task->updated_at(), 1722769597708);
  EXPECT_EQ(task->request_id(), "req-9");
}

TEST(TaskJsonTest, EmptyNullOrMissingDataGivesAnEmptyTask) {
  for (const char* data : {"{}", "null"}) {
    auto task = ParseCreateAnswer(MakeEnvelope(data, "r"));
    ASSERT_TRUE(task.ok()) << data << ": " << task.status();
    EXPECT_EQ(task->task_id(), "");
    EXPECT_EQ(task->task_status(), v1::TASK_STATUS_UNSPECIFIED);
    EXPECT_FALSE(task->has_task_info());
    EXPECT_EQ(task->request_id(), "r");
  }
  EXPECT_TRUE(ParseTask(Json()).ok());  // `data` absent from the envelope
}

TEST(TaskJsonTest, ParsesTheCreateAnswer) {
  auto task = ParseCreateAnswer(
      MakeEnvelope(R"({"task_id":"861","task_status":"submitted",)"
                   R"("task_info":{"external_task_id":"ext-1"},)"
                   R"("created_at":1722769557708,"updated_at":1722769557708})",
                   "req-c"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "861");
  EXPECT_EQ(task->task_status(), v1::TASK_STATUS_SUBMITTED);
  EXPECT_EQ(task->task_info().external_task_id(), "ext-1");
  EXPECT_FALSE(task->task_info().has_parent_video());
  EXPECT_EQ(task->created_at(), 1722769557708);
  EXPECT_EQ(task->request_id(), "req-c");
}

TEST(TaskJsonTest, NumbersAreAcceptedForTextAndTimes) {
  auto task = ParseTask(Json::parse(R"({
    "task_id": 825465778199224380,
    "task_info": {"parent_video": {"id": 18446744073709551615, "duration": 5},
                  "external_task_id": -7},
    "task_result": {"videos": [{"id": 1, "duration": 5.2}]},
    "final_unit_deduction": 2.5,
    "final_balance_deduction": {"quota": 3, "list_price": 0.1},
    "created_at": "1722769557708",
    "updated_at": 1722769597708.0
  })"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "825465778199224380");  // no precision lost
  EXPECT_EQ(task->task_info().parent_video().id(), "18446744073709551615");
  EXPECT_EQ(task->task_info().parent_video().duration(), "5");
  EXPECT_EQ(task->task_info().external_task_id(), "-7");
  EXPECT_EQ(task->task_result().videos(0).id(), "1");
  EXPECT_EQ(task->task_result().videos(0).duration(), "5.2");
  EXPECT_EQ(task->final_unit_deduction(), "2.5");
  EXPECT_EQ(task->final_balance_deduction().quota(), "3");
  EXPECT_EQ(task->final_balance_deduction().list_price(), "0.1");
  EXPECT_EQ(task->created_at(), 1722769557708);
  EXPECT_EQ(task->updated_at(), 1722769597708);
}

TEST(TaskJsonTest, NullFieldsAndEmptyTimeStringsCountAsMissing) {
  auto task = ParseTask(Json::parse(
      R"({"task_id":null,"task_info":null,"task_result":{"videos":null},)"
      R"("created_at":"","watermark_info":{"enabled":null}})"));
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->created_at(), 0);
  EXPECT_FALSE(task->has_task_info());
  EXPECT_EQ(task->task_result().videos_size(), 0);
  EXPECT_FALSE(task->watermark_info().enabled());
}

TEST(TaskJsonTest, StatusTextsMapToTheEnum) {
  const std::pair<const char*, v1::TaskStatus> cases[] = {
      {"submitted", v1::TASK_STATUS_SUBMITTED},
      {"processing", v1::TASK_STATUS_PROCESSING},
      {"succeed", v1::TASK_STATUS_SUCCEED},
      {"failed", v1::TASK_STATUS_FAILED},
      {"FAILED", v1::TASK_STATUS_FAILED},
      {"queued", v1::TASK_STATUS_UNSPECIFIED},
      {"", v1::TASK_STATUS_UNSPECIFIED}};
  for (const auto& [text, want] : cases) {
    Json data = {{"task_status", text}};
    auto task = ParseTask(data);
    ASSERT_TRUE(task.ok());
    EXPECT_EQ(task->task_status(), want) << text;
  }
}

TEST(TaskJsonTest, WrongTypesAreBadAnswersNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"task_result":"none"})", "task_result"},
      {R"({"created_at":{"ms":1}})", "created_at"},
      {R"({"created_at":"yesterday"})", "created_at"},
      {R"({"updated_at":1.5})", "updated_at"},
      {R"({"updated_at":18446744073709551615})", "updated_at"},
      {R"({"task_id":["1"]})", "task_id"},
      {R"({"task_id":true})", "task_id"},
      {R"({"task_status":{}})", "task_status"},
      {R"({"task_info":[]})", "task_info"},
      {R"({"task_info":{"parent_video":"p"}})", "task_info.parent_video"},
      {R"({"task_info":{"parent_video":{"url":{}}}})",
       "task_info.parent_video.url"},
      {R"({"task_result":{"videos":{}}})", "task_result.videos"},
      {R"({"task_result":{"videos":[{"id":"1"},"x"]}})",
       "task_result.videos[1]"},
      {R"({"task_result":{"videos":[{"duration":[5]}]}})",
       "task_result.videos[0].duration"},
      {R"({"watermark_info":{"enabled":"yes"}})", "watermark_info.enabled"},
      {R"({"final_balance_deduction":"4"})", "final_balance_deduction"},
      {R"("task")", "data"},
      {R"([1])", "data"},
  };
  for (const auto& [data, field] : cases) {
    auto task = ParseTaskAnswer(MakeEnvelope(data, "req-x"));
    EXPECT_THAT(task, StatusIs(absl::StatusCode::kInternal)) << data;
    EXPECT_EQ(ReasonOf(task.status()), kReasonBadAnswer) << data;
    EXPECT_EQ(MetadataOf(task.status(), "field"), field) << data;
    EXPECT_EQ(MetadataOf(task.status(), "kling_request_id"), "req-x") << data;
    EXPECT_THAT(std::string(task.status().message()),
                ::testing::HasSubstr(field))
        << data;
  }
}

TEST(TaskJsonTest, UnknownFieldsAreIgnored) {
  auto task =
      ParseTask(Json::parse(R"({"task_id":"1","new_field":{"a":[1]}})"));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->task_id(), "1");
}

TEST(ListAnswerTest, ParsesAnArrayOfTasks) {
  const std::string data = std::string("[") + kFullTask +
                           R"(,{"task_id":"2","task_status":"processing"}])";
  auto list = ParseListAnswer(MakeEnvelope(data, "req-l"), 2);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->tasks_size(), 2);
  EXPECT_EQ(list->tasks(0).task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_EQ(list->tasks(1).task_id(), "2");
  EXPECT_TRUE(list->has_next_page());
  EXPECT_EQ(list->request_id(), "req-l");

  list = ParseListAnswer(MakeEnvelope(data, "req-l"), 30);
  ASSERT_TRUE(list.ok());
  EXPECT_FALSE(list->has_next_page());
}

TEST(ListAnswerTest, EmptyOrNullDataIsAnEmptyPage) {
  for (const char* data : {"[]", "null"}) {
    auto list = ParseListAnswer(MakeEnvelope(data, ""), 30);
    ASSERT_TRUE(list.ok()) << data;
    EXPECT_EQ(list->tasks_size(), 0);
    EXPECT_FALSE(list->has_next_page());
  }
}

TEST(ListAnswerTest, AcceptsAResellerPageWrapper) {
  for (const char* data : {R"({"list":[{"task_id":"1"}],"total":1})",
                           R"({"tasks":[{"task_id":"1"}]})"}) {
    auto list = ParseListAnswer(MakeEnvelope(data, ""), 1);
    ASSERT_TRUE(list.ok()) << data;
    ASSERT_EQ(list->tasks_size(), 1);
    EXPECT_EQ(list->tasks(0).task_id(), "1");
    EXPECT_TRUE(list->has_next_page());
  }
}

TEST(ListAnswerTest, BadShapesNameTheElement) {
  auto list = ParseListAnswer(MakeEnvelope(R"({"task_id":"1"})", "r"), 30);
  EXPECT_EQ(MetadataOf(list.status(), "field"), "data");
  list = ParseListAnswer(MakeEnvelope(R"("x")", "r"), 30);
  EXPECT_EQ(MetadataOf(list.status(), "field"), "data");
  list = ParseListAnswer(
      MakeEnvelope(R"([{"task_id":"1"},{"task_result":7}])", "r"), 30);
  EXPECT_THAT(list, StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(MetadataOf(list.status(), "field"), "data[1].task_result");
  EXPECT_EQ(MetadataOf(list.status(), "kling_request_id"), "r");
  list = ParseListAnswer(MakeEnvelope(R"([null, 3])", "r"), 30);
  EXPECT_EQ(MetadataOf(list.status(), "field"), "data[1]");
}

constexpr char kFaces[] = R"([
  {"face_id": "0", "face_image": "https://cdn.example.com/f0.png",
   "start_time": 0, "end_time": 5200},
  {"face_id": 1, "face_image": "https://cdn.example.com/f1.png",
   "start_time": "1000", "end_time": 3000}
])";

void ExpectFaces(const v1::IdentifyFaceResponse& response) {
  ASSERT_EQ(response.face_data_size(), 2);
  EXPECT_EQ(response.face_data(0).face_id(), "0");
  EXPECT_EQ(response.face_data(0).face_image(),
            "https://cdn.example.com/f0.png");
  EXPECT_EQ(response.face_data(0).start_time(), 0);
  EXPECT_EQ(response.face_data(0).end_time(), 5200);
  EXPECT_EQ(response.face_data(1).face_id(), "1");
  EXPECT_EQ(response.face_data(1).start_time(), 1000);
  EXPECT_EQ(response.face_data(1).end_time(), 3000);
}

TEST(IdentifyAnswerTest, ParsesFaceData) {
  auto response = ParseIdentifyAnswer(MakeEnvelope(
      std::string(
          R"({"session_id":"825465778199224380",)"
          R"("final_unit_deduction":"1",)"
          R"("final_balance_deduction":{"quota":"1","list_price":"0.1"},)"
          R"("face_data":)") +
          kFaces + "}",
      "req-i"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->session_id(), "825465778199224380");
  EXPECT_EQ(response->final_unit_deduction(), "1");
  EXPECT_EQ(response->final_balance_deduction().list_price(), "0.1");
  EXPECT_EQ(response->request_id(), "req-i");
  ExpectFaces(*response);
}

TEST(IdentifyAnswerTest, AcceptsFaceListInstead) {
  auto response = ParseIdentifyAnswer(MakeEnvelope(
      std::string(R"({"session_id":"s","face_data":null,"face_list":)") +
          kFaces + "}",
      ""));
  ASSERT_TRUE(response.ok()) << response.status();
  ExpectFaces(*response);
}

TEST(IdentifyAnswerTest, FaceDataWinsOverFaceList) {
  auto response = ParseIdentifyAnswer(MakeEnvelope(
      std::string(R"({"face_list":[{"face_id":"x"}],"face_data":)") + kFaces +
          "}",
      ""));
  ASSERT_TRUE(response.ok());
  ExpectFaces(*response);
}

TEST(IdentifyAnswerTest, EmptyAndBadShapes) {
  auto response = ParseIdentifyAnswer(MakeEnvelope("{}", "r"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->face_data_size(), 0);
  EXPECT_EQ(response->request_id(), "r");

  response = ParseIdentifyAnswer(MakeEnvelope(R"({"face_list":"x"})", "r"));
  EXPECT_EQ(MetadataOf(response.status(), "field"), "face_list");
  response = ParseIdentifyAnswer(
      MakeEnvelope(R"({"face_data":[{"face_id":"0","end_time":"late"}]})", ""));
  EXPECT_EQ(MetadataOf(response.status(), "field"), "face_data[0].end_time");
  response = ParseIdentifyAnswer(MakeEnvelope("[]", ""));
  EXPECT_EQ(MetadataOf(response.status(), "field"), "data");
}

TEST(TaskStatusTest, UpstreamNamesAndTerminality) {
  EXPECT_EQ(TaskStatusToUpstream(v1::TASK_STATUS_SUBMITTED), "submitted");
  EXPECT_EQ(TaskStatusToUpstream(v1::TASK_STATUS_PROCESSING), "processing");
  EXPECT_EQ(TaskStatusToUpstream(v1::TASK_STATUS_SUCCEED), "succeed");
  EXPECT_EQ(TaskStatusToUpstream(v1::TASK_STATUS_FAILED), "failed");
  EXPECT_EQ(TaskStatusToUpstream(v1::TASK_STATUS_UNSPECIFIED), "");
  EXPECT_EQ(TaskStatusToUpstream(static_cast<v1::TaskStatus>(99)), "");
  EXPECT_FALSE(IsTerminal(v1::TASK_STATUS_UNSPECIFIED));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATUS_SUBMITTED));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATUS_PROCESSING));
  EXPECT_TRUE(IsTerminal(v1::TASK_STATUS_SUCCEED));
  EXPECT_TRUE(IsTerminal(v1::TASK_STATUS_FAILED));
  for (const auto s : {v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING,
                       v1::TASK_STATUS_SUCCEED, v1::TASK_STATUS_FAILED}) {
    EXPECT_EQ(TaskStatusFromUpstream(TaskStatusToUpstream(s)), s);
  }
}

}  // namespace
}  // namespace lipsync::translate

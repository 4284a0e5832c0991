#include "service/translate/create_body.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/common/base64.h"
#include "service/common/limits.h"
#include "tests/support/seed_requests.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using ::lipsync::testing::SeedRequest;

// Parses `body`, failing the test when it is not JSON.
Json Parse(const std::string& body) {
  Json json = Json::parse(body, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << body;
  return json;
}

std::string Build(const v1::CreateLipSyncTaskRequest& request) {
  std::string body = BuildCreateTaskBody(request);
  EXPECT_EQ(body.size(), StreamCreateTaskBody(request).size());
  return body;
}

TEST(CreateBodyTest, SeedExampleGivesTheGoldenBody) {
  EXPECT_EQ(Build(SeedRequest()),
            R"({"session_id":"825465778199224380","face_choose":[{)"
            R"("face_id":"-1","audio_id":"825451760499568680",)"
            R"("sound_start_time":0,"sound_end_time":5000,)"
            R"("sound_insert_time":1000,"sound_volume":1,)"
            R"("original_audio_volume":1}]})");
}

TEST(CreateBodyTest, TypesAreWhatTheUpstreamExpects) {
  const Json body = Parse(Build(SeedRequest()));
  const Json& face = body["face_choose"][0];
  EXPECT_TRUE(body["session_id"].is_string());
  EXPECT_TRUE(face["face_id"].is_string());
  EXPECT_TRUE(face["audio_id"].is_string());
  EXPECT_TRUE(face["sound_start_time"].is_number_integer());
  EXPECT_TRUE(face["sound_end_time"].is_number_integer());
  EXPECT_TRUE(face["sound_insert_time"].is_number_integer());
  EXPECT_TRUE(face["sound_volume"].is_number());
  EXPECT_TRUE(face["original_audio_volume"].is_number());
}

TEST(CreateBodyTest, SoundFileBytesAreSentAsBase64SoundFile) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  auto* face = request.mutable_face_choose(0);
  face->clear_audio_id();
  face->set_sound_file_bytes(std::string("ID3\x04\x00\xff\x01", 7));
  const std::string body = Build(request);
  const Json json = Parse(body);
  EXPECT_EQ(json["face_choose"][0]["sound_file"],
            Base64Encode(std::string("ID3\x04\x00\xff\x01", 7)));
  EXPECT_FALSE(json["face_choose"][0].contains("audio_id"));
  EXPECT_THAT(body, Not(HasSubstr("sound_file_bytes")));
}

TEST(CreateBodyTest, SoundFileTextIsSentAsGiven) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  auto* face = request.mutable_face_choose(0);
  face->clear_audio_id();
  face->set_sound_file("https://example.com/a.mp3?x=1&y=\"2\"");
  EXPECT_EQ(Parse(Build(request))["face_choose"][0]["sound_file"],
            "https://example.com/a.mp3?x=1&y=\"2\"");
}

TEST(CreateBodyTest, SoundFileTextWinsOverBytesSoNoKeyRepeats) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  auto* face = request.mutable_face_choose(0);
  face->clear_audio_id();
  face->set_sound_file("https://example.com/a.mp3");
  face->set_sound_file_bytes("raw");
  const std::string body = Build(request);
  EXPECT_THAT(body, HasSubstr(R"("sound_file":"https://example.com/a.mp3")"));
  EXPECT_EQ(body.find("sound_file"), body.rfind("sound_file"));
}

class VolumeTest : public ::testing::TestWithParam<double> {};

TEST_P(VolumeTest, VolumesReadBackAsTheSameDouble) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.mutable_face_choose(0)->set_sound_volume(GetParam());
  request.mutable_face_choose(0)->set_original_audio_volume(GetParam());
  const Json face = Parse(Build(request))["face_choose"][0];
  EXPECT_EQ(face["sound_volume"].get<double>(), GetParam());
  EXPECT_EQ(face["original_audio_volume"].get<double>(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Volumes, VolumeTest,
                         ::testing::Values(0.5, 0.0, 2.0, 1.25, 0.1, 1.0,
                                           1.9999999999999998, 0.3));

TEST(CreateBodyTest, IntegralVolumesAreWrittenWithoutAFraction) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.mutable_face_choose(0)->set_sound_volume(0);
  request.mutable_face_choose(0)->set_original_audio_volume(2);
  const std::string body = Build(request);
  EXPECT_THAT(body, HasSubstr(R"("sound_volume":0,)"));
  EXPECT_THAT(body, HasSubstr(R"("original_audio_volume":2})"));
}

TEST(CreateBodyTest, StringsAreEscaped) {
  const std::string nasty =
      "q\"b\\s/\n\t\x01\x1f caf\xC3\xA9 \xE4\xBD\xA0 \xF0\x9F\x98\x80";
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_session_id(nasty);
  request.mutable_face_choose(0)->set_face_id(nasty);
  request.set_external_task_id(nasty);
  request.set_callback_url(nasty);
  const Json json = Parse(Build(request));
  EXPECT_EQ(json["session_id"], nasty);
  EXPECT_EQ(json["face_choose"][0]["face_id"], nasty);
  EXPECT_EQ(json["external_task_id"], nasty);
  EXPECT_EQ(json["callback_url"], nasty);
}

TEST(CreateBodyTest, OptionalStringsOnlyWhenNonEmptyInSeedOrder) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_external_task_id("my-task-1");
  std::string body = Build(request);
  EXPECT_THAT(body, HasSubstr(R"(}],"external_task_id":"my-task-1"})"));
  EXPECT_THAT(body, Not(HasSubstr("callback_url")));

  request.set_callback_url("https://example.com/cb");
  body = Build(request);
  EXPECT_THAT(body, HasSubstr(R"(}],"external_task_id":"my-task-1",)"
                              R"("callback_url":"https://example.com/cb"})"));

  request.clear_external_task_id();
  body = Build(request);
  EXPECT_THAT(body,
              HasSubstr(R"(}],"callback_url":"https://example.com/cb"})"));
  EXPECT_THAT(body, Not(HasSubstr("external_task_id")));
}

TEST(CreateBodyTest, WatermarkInfoOnlyWhenSet) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  EXPECT_THAT(Build(request), Not(HasSubstr("watermark_info")));
  request.mutable_watermark_info()->set_enabled(false);
  EXPECT_THAT(Build(request),
              HasSubstr(R"(}],"watermark_info":{"enabled":false}})"));
  request.set_callback_url("https://example.com/cb");
  request.mutable_watermark_info()->set_enabled(true);
  EXPECT_THAT(Build(request),
              HasSubstr(R"("callback_url":"https://example.com/cb",)"
                        R"("watermark_info":{"enabled":true}})"));
}

TEST(CreateBodyTest, GatewayOnlyFieldsAreNeverSent) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_request_id("idem-123");
  const std::string body = Build(request);
  EXPECT_THAT(body, Not(HasSubstr("request_id")));
  EXPECT_THAT(body, Not(HasSubstr("idem-123")));
}

TEST(CreateBodyTest, UnvalidatedRequestsStillGiveValidJson) {
  v1::CreateLipSyncTaskRequest request;
  EXPECT_EQ(Build(request), R"({"face_choose":[]})");
  request.add_face_choose();
  EXPECT_EQ(Build(request), R"({"face_choose":[{}]})");
  request.mutable_face_choose(0)->set_sound_end_time(3000);
  request.add_face_choose()->set_face_id("2");
  EXPECT_EQ(Build(request),
            R"({"face_choose":[{"sound_end_time":3000},{"face_id":"2"}]})");
  Parse(Build(request));
}

TEST(CreateBodyTest, FiveMegabyteAudioIsEncodedIntoAnExactBuffer) {
  std::string audio(kMaxAudioBytes, '\0');
  for (std::size_t i = 0; i < audio.size(); ++i) {
    audio[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.mutable_face_choose(0)->clear_audio_id();
  request.mutable_face_choose(0)->set_sound_file_bytes(audio);

  const std::string body = BuildCreateTaskBody(request);
  EXPECT_EQ(body.size(), StreamCreateTaskBody(request).size());
  EXPECT_EQ(body.capacity(), body.size()) << "allocated more than needed";
  EXPECT_GT(body.size(), kMaxAudioBase64Chars);

  const Json json = Parse(body);
  EXPECT_EQ(json["face_choose"][0]["sound_file"].get_ref<const std::string&>(),
            Base64Encode(audio));
  EXPECT_EQ(json["face_choose"][0]["sound_end_time"], 5000);
}

TEST(CreateBodyTest, FiveMegabyteBase64TextIsCopiedIntoAnExactBuffer) {
  const std::string base64 = Base64Encode(std::string(kMaxAudioBytes, 'a'));
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.mutable_face_choose(0)->clear_audio_id();
  request.mutable_face_choose(0)->set_sound_file(base64);
  const std::string body = BuildCreateTaskBody(request);
  EXPECT_EQ(body.capacity(), body.size());
  EXPECT_THAT(body, HasSubstr("\"sound_file\":\"" + base64 + "\","));
}

TEST(CreateBodyTest, ExternalTaskIdIfUnsetFillsOnlyAnEmptyOne) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  std::string body = BuildCreateTaskBody(request, "key-1");
  EXPECT_EQ(body.size(), StreamCreateTaskBody(request, "key-1").size());
  EXPECT_EQ(body.capacity(), body.size());
  EXPECT_EQ(Parse(body)["external_task_id"], "key-1");
  EXPECT_THAT(body, HasSubstr(R"(}],"external_task_id":"key-1"})"));

  // The request's own external_task_id wins.
  request.set_external_task_id("mine");
  body = BuildCreateTaskBody(request, "key-1");
  EXPECT_EQ(body.size(), StreamCreateTaskBody(request, "key-1").size());
  EXPECT_EQ(Parse(body)["external_task_id"], "mine");
  EXPECT_THAT(body, Not(HasSubstr("key-1")));

  // Escaped like any other string.
  request.clear_external_task_id();
  body = BuildCreateTaskBody(request, "a\"b");
  EXPECT_EQ(body.size(), StreamCreateTaskBody(request, "a\"b").size());
  EXPECT_EQ(Parse(body)["external_task_id"], "a\"b");

  // Empty means none, as before.
  EXPECT_EQ(BuildCreateTaskBody(request, ""), BuildCreateTaskBody(request));
}

TEST(IdentifyFaceBodyTest, SendsOnlyTheNonEmptyField) {
  v1::IdentifyFaceRequest request;
  request.set_video_id("860338213181558795");
  EXPECT_EQ(BuildIdentifyFaceBody(request),
            R"({"video_id":"860338213181558795"})");
  request.clear_video_id();
  request.set_video_url("https://example.com/v.mp4?a=1&b=\"2\"");
  EXPECT_EQ(BuildIdentifyFaceBody(request),
            R"({"video_url":"https://example.com/v.mp4?a=1&b=\"2\""})");
  EXPECT_EQ(BuildIdentifyFaceBody(v1::IdentifyFaceRequest()), "{}");
}

}  // namespace
}  // namespace lipsync::translate

#include "sim/body_checks.h"

#include <ostream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/sim/sim_test_util.h"

namespace kling_sim {
namespace {

using nlohmann::json;

absl::StatusOr<CreateRequest> Check(const json& body) {
  return CheckCreateBody(body, nullptr);
}

TEST(CheckCreateBodyTest, AcceptsTheSeedExample) {
  absl::StatusOr<CreateRequest> request = Check(kling_sim_test::SeedJson());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->session_id, "825465778199224380");
  EXPECT_EQ(request->face.face_id, "-1");
  EXPECT_EQ(request->face.source, SoundSource::kAudioId);
  EXPECT_EQ(request->face.sound_end_time, 5000);
  EXPECT_EQ(request->external_task_id, "");
}

struct RefusalCase {
  const char* name;
  const char* pointer;  // JSON pointer into the seed example
  json value;           // null: remove the field
  const char* field_in_message;
};

// Names the case in ctest output instead of dumping its bytes.
void PrintTo(const RefusalCase& c, std::ostream* os) { *os << c.name; }

class CreateRefusalTest : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(CreateRefusalTest, NamesTheField) {
  const RefusalCase& c = GetParam();
  json body = kling_sim_test::SeedJson();
  const json::json_pointer pointer(c.pointer);
  if (c.value.is_null()) {
    body[pointer.parent_pointer()].erase(pointer.back());
  } else {
    body[pointer] = c.value;
  }
  absl::StatusOr<CreateRequest> request = Check(body);
  ASSERT_FALSE(request.ok()) << body;
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(request.status().message(), c.field_in_message))
      << request.status();
}

INSTANTIATE_TEST_SUITE_P(
    SeedRules, CreateRefusalTest,
    ::testing::Values(
        RefusalCase{"NoSession", "/session_id", nullptr, "session_id"},
        RefusalCase{"NumericSession", "/session_id", 825465778199224380LL,
                    "session_id"},
        RefusalCase{"FacesNotArray", "/face_choose", json::object(),
                    "face_choose"},
        RefusalCase{"NoFaceId", "/face_choose/0/face_id", nullptr, "face_id"},
        RefusalCase{"BothAudios", "/face_choose/0/sound_file",
                    "https://a.test/x.mp3", "mutually exclusive"},
        RefusalCase{"NeitherAudio", "/face_choose/0/audio_id", "",
                    "mutually exclusive"},
        RefusalCase{"FloatStart", "/face_choose/0/sound_start_time", 0.0,
                    "sound_start_time"},
        RefusalCase{"StringEnd", "/face_choose/0/sound_end_time", "5000",
                    "sound_end_time"},
        RefusalCase{"FloatInsert", "/face_choose/0/sound_insert_time", 1000.5,
                    "sound_insert_time"},
        RefusalCase{"NegativeStart", "/face_choose/0/sound_start_time", -1,
                    "sound_start_time"},
        RefusalCase{"TrimTooShort", "/face_choose/0/sound_end_time", 1999,
                    "2000"},
        RefusalCase{"EndPastSixtySeconds", "/face_choose/0/sound_end_time",
                    60001, "sound_end_time"},
        RefusalCase{"LoudVolume", "/face_choose/0/sound_volume", 2.01,
                    "sound_volume"},
        RefusalCase{"NegativeVolume", "/face_choose/0/original_audio_volume",
                    -0.5, "original_audio_volume"},
        RefusalCase{"NoVolume", "/face_choose/0/sound_volume", nullptr,
                    "sound_volume"},
        RefusalCase{"BoolVolume", "/face_choose/0/sound_volume", true,
                    "sound_volume"},
        RefusalCase{"ExternalIdNumber", "/external_task_id", 7,
                    "external_task_id"},
        RefusalCase{"CallbackNotUrl", "/callback_url", "ftp://x",
                    "callback_url"},
        RefusalCase{"WatermarkNotObject", "/watermark_info", true,
                    "watermark_info"}),
    [](const ::testing::TestParamInfo<RefusalCase>& info) {
      return info.param.name;
    });

TEST(CheckCreateBodyTest, RefusesMoreThanOneFace) {
  json body = kling_sim_test::SeedJson();
  body["face_choose"].push_back(body["face_choose"][0]);
  EXPECT_FALSE(Check(body).ok());
}

TEST(CheckCreateBodyTest, AcceptsIntegerVolumesAndWholeRange) {
  json body = kling_sim_test::SeedJson();
  body["face_choose"][0]["sound_volume"] = 0;
  body["face_choose"][0]["original_audio_volume"] = 2;
  body["watermark_info"] = {{"enabled", true}};
  absl::StatusOr<CreateRequest> request = Check(body);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->watermark_enabled);
}

TEST(CheckCreateBodyTest, SoundFileIsUrlOrStrictBase64UpTo5MiB) {
  json body = kling_sim_test::SeedJson();
  body["face_choose"][0]["audio_id"] = "";

  body["face_choose"][0]["sound_file"] = "https://a.test/voice.mp3";
  ASSERT_TRUE(Check(body).ok());
  EXPECT_EQ(Check(body)->face.source, SoundSource::kUrl);

  const std::string limit(kMaxSoundFileBytes, 'a');
  body["face_choose"][0]["sound_file"] = absl::Base64Escape(limit);
  std::optional<Base64Digest> digest;
  ASSERT_TRUE(CheckCreateBody(body, &digest).ok());
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->decoded_size, kMaxSoundFileBytes);
  EXPECT_EQ(digest->fnv1a64, Fnv1a64(limit));

  body["face_choose"][0]["sound_file"] = absl::Base64Escape(limit + "a");
  EXPECT_FALSE(Check(body).ok());

  for (const char* bad :
       {"data:audio/mp3;base64,QUJD", "QUJ", "QU=D", "QUJD\n", "QUJ-"}) {
    SCOPED_TRACE(bad);
    body["face_choose"][0]["sound_file"] = bad;
    EXPECT_FALSE(Check(body).ok());
  }
}

TEST(CheckCreateBodyTest, CollectsEveryViolation) {
  json body = kling_sim_test::SeedJson();
  body.erase("session_id");
  body["face_choose"][0]["sound_volume"] = 9;
  absl::StatusOr<CreateRequest> request = Check(body);
  ASSERT_FALSE(request.ok());
  EXPECT_TRUE(absl::StrContains(request.status().message(), "session_id"));
  EXPECT_TRUE(absl::StrContains(request.status().message(), "sound_volume"));
}

TEST(CheckIdentifyBodyTest, WantsExactlyOneVideo) {
  EXPECT_TRUE(CheckIdentifyBody({{"video_id", "1"}}).ok());
  EXPECT_TRUE(CheckIdentifyBody({{"video_url", "https://x/v.mp4"}}).ok());
  EXPECT_FALSE(CheckIdentifyBody(json::object()).ok());
  EXPECT_FALSE(CheckIdentifyBody({{"video_id", "1"}, {"video_url", "u"}}).ok());
  EXPECT_FALSE(CheckIdentifyBody({{"video_id", 1}}).ok());
  EXPECT_FALSE(CheckIdentifyBody(json::array()).ok());
}

TEST(CheckAgainstSessionTest, InsertedAudioMustFitVideoAndOverlapFace) {
  Session session;
  session.duration_ms = 10000;
  Face face{"7", "", 4000, 8000};
  FaceChoice choice;
  choice.sound_start_time = 0;
  choice.sound_end_time = 3000;

  choice.sound_insert_time = 4000;  // [4000, 7000]: overlap 3000
  EXPECT_TRUE(CheckAgainstSession(choice, session, &face).ok());
  choice.sound_insert_time = 6500;  // overlap 1500
  EXPECT_FALSE(CheckAgainstSession(choice, session, &face).ok());
  choice.sound_insert_time = 7500;  // ends at 10500, past the video
  EXPECT_FALSE(CheckAgainstSession(choice, session, nullptr).ok());
}

}  // namespace
}  // namespace kling_sim

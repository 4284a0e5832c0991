#include "service/validation/create_request_validator.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "service/common/base64.h"
#include "service/validation/face_timing_rules.h"
#include "tests/support/seed_requests.h"
#include "tests/validation/test_requests.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::CreateLipSyncTaskRequest;
using ::kling::lipsync::v1::FaceChoose;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using ::lipsync::testing::kSeedRequestJson;

FaceChoose& Face(CreateLipSyncTaskRequest& request) {
  return *request.mutable_face_choose(0);
}

TEST(CreateRequestValidatorTest, SeedExampleIsValid) {
  CreateLipSyncTaskRequest request;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(kSeedRequestJson, &request)
          .ok());
  ASSERT_TRUE(request.face_choose(0).has_sound_start_time());
  EXPECT_THAT(ValidateCreateRequest(request), IsEmpty());
}

TEST(CreateRequestValidatorTest, AcceptsEveryOptionalFieldWhenWellFormed) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  request.set_external_task_id("order-42");
  request.set_callback_url("https://hooks.example.com/kling?id=42");
  request.mutable_watermark_info()->set_enabled(true);
  request.set_request_id("3f2a9c1e-0b7d-4a8e-9f10-2c3d4e5f6a7b");
  EXPECT_THAT(ValidateCreateRequest(request), IsEmpty());
}

TEST(CreateRequestValidatorTest, EmptyRequestReportsEveryRequiredFieldInOrder) {
  CreateLipSyncTaskRequest request;
  EXPECT_THAT(
      ValidateCreateRequest(request),
      ElementsAre(ViolationOf("session_id", "is required"),
                  ViolationOf("face_choose", "is required: exactly one face")));
}

TEST(CreateRequestValidatorTest, EmptyFaceReportsEveryFieldAtOnceInOrder) {
  CreateLipSyncTaskRequest request;
  request.add_face_choose();
  EXPECT_THAT(
      FieldsOf(ValidateCreateRequest(request)),
      ElementsAre(
          "session_id", "face_choose[0]", "face_choose[0].face_id",
          "face_choose[0].sound_start_time", "face_choose[0].sound_end_time",
          "face_choose[0].sound_insert_time", "face_choose[0].sound_volume",
          "face_choose[0].original_audio_volume"));
}

TEST(CreateRequestValidatorTest, EveryBrokenFieldIsReportedInFieldOrder) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  request.set_session_id("s\n");
  Face(request).set_face_id(std::string(300, 'f'));
  Face(request).set_audio_id("a\x7F");
  Face(request).set_sound_file("data:audio/mp3;base64,SUQz");
  Face(request).set_sound_start_time(-1);
  Face(request).set_sound_end_time(60'001);
  Face(request).set_sound_insert_time(-5);
  Face(request).set_sound_volume(3);
  Face(request).set_original_audio_volume(-1);
  Face(request).set_sound_file_bytes(std::string(kMaxAudioBytes + 1, 'x'));
  request.set_external_task_id("\xFF");
  request.set_callback_url("ftp://x");
  request.set_request_id("a b");
  EXPECT_THAT(
      FieldsOf(ValidateCreateRequest(request)),
      ElementsAre(
          "session_id", "face_choose[0]", "face_choose[0].face_id",
          "face_choose[0].audio_id", "face_choose[0].sound_file",
          "face_choose[0].sound_start_time", "face_choose[0].sound_end_time",
          "face_choose[0].sound_insert_time", "face_choose[0].sound_volume",
          "face_choose[0].original_audio_volume",
          "face_choose[0].sound_file_bytes", "external_task_id", "callback_url",
          "request_id"));
}

TEST(CreateRequestValidatorTest, RejectsMoreThanOneFaceButChecksEachEntry) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  *request.add_face_choose() = FaceChoose();
  EXPECT_THAT(ValidateCreateRequest(request),
              ::testing::Contains(ViolationOf(
                  "face_choose", "only one face is supported (got 2)")));
  EXPECT_THAT(ValidateCreateRequest(request),
              ::testing::Contains(ViolationOf("face_choose[1].face_id")));
}

TEST(CreateRequestValidatorTest, TenThousandFacesCostBoundedWork) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  for (int i = 1; i < 10'000; ++i) *request.add_face_choose() = FaceChoose();
  const FieldViolations got = ValidateCreateRequest(request);
  int count_violations = 0;
  std::size_t total_chars = 0;
  for (const auto& v : got) {
    if (v.field == "face_choose") ++count_violations;
    total_chars += v.field.size() + v.description.size();
  }
  EXPECT_EQ(count_violations, 1);
  EXPECT_THAT(got, ::testing::Contains(
                       ViolationOf("face_choose",
                                   "only one face is supported (got 10000); "
                                   "only the first 16 entries")));
  EXPECT_THAT(got, ::testing::Contains(ViolationOf("face_choose[15].face_id")));
  EXPECT_THAT(got, ::testing::Not(::testing::Contains(
                       ViolationOf("face_choose[16].face_id"))));
  EXPECT_LE(got.size(), 1u + 15u * 7u);
  EXPECT_LT(total_chars, 20'000u);
}

struct TrimCase {
  int64_t start;
  int64_t end;
  bool valid;
};

TEST(CreateRequestValidatorTest, TrimmedAudioMustBeAtLeastTwoSeconds) {
  const TrimCase cases[] = {
      {0, 2000, true},     {0, 1999, false},       {3000, 5000, true},
      {3001, 5000, false}, {58'000, 60'000, true}, {5000, 5000, false},
      {5000, 1000, false}, {0, 60'000, true},
  };
  for (const TrimCase& c : cases) {
    CreateLipSyncTaskRequest request = ValidCreateRequest();
    Face(request).set_sound_start_time(c.start);
    Face(request).set_sound_end_time(c.end);
    const FieldViolations got = ValidateCreateRequest(request);
    if (c.valid) {
      EXPECT_THAT(got, IsEmpty()) << c.start << ".." << c.end;
    } else {
      EXPECT_THAT(got, ElementsAre(ViolationOf(
                           "face_choose[0].sound_end_time",
                           absl::StrCat("the trimmed audio would be ",
                                        c.end - c.start, " ms long"))))
          << c.start << ".." << c.end;
    }
  }
}

TEST(CreateRequestValidatorTest, TrimMessageGivesComputedLength) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  Face(request).set_sound_start_time(1000);
  Face(request).set_sound_end_time(2999);
  EXPECT_THAT(ValidateCreateRequest(request),
              ElementsAre(ViolationOf(
                  "face_choose[0].sound_end_time",
                  "must be at least 2000 ms after sound_start_time: the "
                  "trimmed audio would be 1999 ms long (2999 - 1000)")));
}

TEST(CreateRequestValidatorTest, TimesHaveDerivedUpperBounds) {
  struct Case {
    const char* field;
    int64_t value;
    bool valid;
    const char* expected;
  };
  const Case cases[] = {
      {"sound_start_time", 0, true, ""},
      {"sound_insert_time", 0, true, ""},
      {"sound_insert_time", 60'000, true, ""},
      {"sound_insert_time", 60'001, false, "videos are at most 60 s long"},
      {"sound_end_time", 60'001, false, "audio is at most 60 s long"},
      {"sound_start_time", 58'001, false, "trimmed audio at least 2 s"},
      {"sound_start_time", -1, false, "must not be negative (got -1 ms)"},
      {"sound_end_time", -1, false, "must not be negative"},
      {"sound_insert_time", -1, false, "must not be negative"},
  };
  for (const Case& c : cases) {
    CreateLipSyncTaskRequest request = ValidCreateRequest();
    Face(request).set_sound_end_time(60'000);
    const auto* field = FaceChoose::descriptor()->FindFieldByName(c.field);
    Face(request).GetReflection()->SetInt64(&Face(request), field, c.value);
    const FieldViolations got = ValidateCreateRequest(request);
    if (c.valid) {
      EXPECT_THAT(got, IsEmpty()) << c.field << "=" << c.value;
    } else {
      EXPECT_THAT(
          got, ElementsAre(ViolationOf(absl::StrCat("face_choose[0].", c.field),
                                       c.expected)))
          << c.field << "=" << c.value;
    }
  }
}

TEST(CreateRequestValidatorTest, ExtremeTimesAreRejectedWithoutOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t values[] = {kMax, kMin, kMax - 1, kMin + 1, -1};
  for (int64_t start : values) {
    for (int64_t end : values) {
      for (int64_t insert : values) {
        CreateLipSyncTaskRequest request = ValidCreateRequest();
        Face(request).set_sound_start_time(start);
        Face(request).set_sound_end_time(end);
        Face(request).set_sound_insert_time(insert);
        EXPECT_THAT(ValidateCreateRequest(request), SizeIs(3));
      }
    }
  }
}

TEST(CreateRequestValidatorTest, VolumesMustBeFiniteAndWithinZeroToTwo) {
  struct Case {
    double value;
    const char* expected;  // nullptr: valid.
  };
  const Case cases[] = {
      {0.0, nullptr},
      {-0.0, nullptr},
      {1.0, nullptr},
      {2.0, nullptr},
      {2.0000001, "must be in [0, 2] (got 2.0000001)"},
      {-0.0001, "must be in [0, 2] (got -0.0001)"},
      {-1e-300, "must be in [0, 2]"},
      {std::numeric_limits<double>::quiet_NaN(), "(got NaN)"},
      {-std::numeric_limits<double>::quiet_NaN(), "(got NaN)"},
      {std::numeric_limits<double>::infinity(),
       "must be finite, in [0, 2] (got +Inf)"},
      {-std::numeric_limits<double>::infinity(),
       "must be finite, in [0, 2] (got -Inf)"},
      {std::numeric_limits<double>::max(), "must be in [0, 2]"},
      {std::numeric_limits<double>::lowest(), "must be in [0, 2]"},
  };
  for (const char* name : {"sound_volume", "original_audio_volume"}) {
    for (const Case& c : cases) {
      CreateLipSyncTaskRequest request = ValidCreateRequest();
      const auto* field = FaceChoose::descriptor()->FindFieldByName(name);
      Face(request).GetReflection()->SetDouble(&Face(request), field, c.value);
      const FieldViolations got = ValidateCreateRequest(request);
      if (c.expected == nullptr) {
        EXPECT_THAT(got, IsEmpty()) << name << "=" << c.value;
      } else {
        EXPECT_THAT(
            got, ElementsAre(ViolationOf(absl::StrCat("face_choose[0].", name),
                                         c.expected)))
            << name << "=" << c.value;
      }
    }
  }
}

TEST(CreateRequestValidatorTest, EachRequiredFaceFieldMissingIsReported) {
  for (const char* name :
       {"face_id", "sound_start_time", "sound_end_time", "sound_insert_time",
        "sound_volume", "original_audio_volume"}) {
    CreateLipSyncTaskRequest request = ValidCreateRequest();
    Face(request).GetReflection()->ClearField(
        &Face(request), FaceChoose::descriptor()->FindFieldByName(name));
    EXPECT_THAT(ValidateCreateRequest(request),
                ElementsAre(ViolationOf(absl::StrCat("face_choose[0].", name),
                                        "is required")))
        << name;
  }
}

TEST(CreateRequestValidatorTest, AcceptsEveryAudioSourceKind) {
  for (int kind = 0; kind < 3; ++kind) {
    CreateLipSyncTaskRequest request = ValidCreateRequest();
    Face(request).clear_audio_id();
    if (kind == 0)
      Face(request).set_sound_file("https://cdn.example.com/a.mp3");
    if (kind == 1) Face(request).set_sound_file(Base64Encode("ID3\x04"));
    if (kind == 2) Face(request).set_sound_file_bytes("ID3\x04");
    EXPECT_THAT(ValidateCreateRequest(request), IsEmpty()) << kind;
  }
}

TEST(CreateRequestValidatorTest, OptionalTopLevelFieldsFollowTheirRules) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  request.set_external_task_id(std::string(257, 'e'));
  request.set_callback_url("http://user:pass@hooks.example.com/");
  request.set_request_id(std::string(129, 'k'));
  EXPECT_THAT(ValidateCreateRequest(request),
              ElementsAre(ViolationOf("external_task_id", "at most 256"),
                          ViolationOf("callback_url", "credentials"),
                          ViolationOf("request_id", "at most 128")));
}

TEST(CreateRequestValidatorTest, TaskIdsAreNotDotSegments) {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  request.set_external_task_id("..");
  request.set_request_id(".");
  EXPECT_THAT(ValidateCreateRequest(request),
              ElementsAre(ViolationOf("external_task_id", "path segment"),
                          ViolationOf("request_id", "path segment")));
}

}  // namespace
}  // namespace lipsync::validation

#include "service/validation/session_rules.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/validation/test_requests.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::CreateLipSyncTaskRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kInsert[] = "face_choose[0].sound_insert_time";

// A request inserting [insert, insert + length] for face `face_id`.
CreateLipSyncTaskRequest Inserting(int64_t insert, int64_t length,
                                   const std::string& face_id = "0") {
  CreateLipSyncTaskRequest request = ValidCreateRequest();
  auto* face = request.mutable_face_choose(0);
  face->set_face_id(face_id);
  face->set_sound_start_time(1000);
  face->set_sound_end_time(1000 + length);
  face->set_sound_insert_time(insert);
  return request;
}

const std::vector<KnownFace> kFaces = {{"0", 5000, 9000}, {"1", 0, 60'000}};

TEST(SessionRulesTest, KnownFaceWithEnoughOverlapIsValid) {
  EXPECT_THAT(ValidateAgainstSession(Inserting(5000, 4000), kFaces), IsEmpty());
  EXPECT_THAT(ValidateAgainstSession(Inserting(0, 5000, "1"), kFaces),
              IsEmpty());
}

TEST(SessionRulesTest, SeedFaceIdMinusOneIsValidWhenTheSessionHasIt) {
  EXPECT_THAT(ValidateAgainstSession(ValidCreateRequest(), {{"-1", 0, 10'000}}),
              IsEmpty());
}

TEST(SessionRulesTest, OverlapMustBeAtLeastTwoSecondsOnBothSides) {
  struct Case {
    int64_t insert;
    int64_t length;
    int64_t overlap;  // Of [insert, insert + length] with [5000, 9000].
  };
  const Case cases[] = {
      {3000, 4000, 2000},  // Ends inside the face: overlap [5000, 7000].
      {3001, 4000, 2000},  // [5000, 7001] -> 2001.
      {3000, 3999, 1999},  // [5000, 6999].
      {7000, 4000, 2000},  // Starts inside: [7000, 9000].
      {7001, 4000, 1999},  // [7001, 9000].
      {6000, 2000, 2000},  // Inside the face.
      {5000, 1999 + 1, 2000},
  };
  for (const Case& c : cases) {
    const FieldViolations got =
        ValidateAgainstSession(Inserting(c.insert, c.length), kFaces);
    if (c.overlap >= 2000) {
      EXPECT_THAT(got, IsEmpty()) << c.insert << "+" << c.length;
    } else {
      EXPECT_THAT(
          got, ElementsAre(ViolationOf(
                   kInsert, absl::StrCat("overlaps the face's interval [5000, "
                                         "9000] ms by ",
                                         c.overlap, " ms; at least 2000 ms"))))
          << c.insert << "+" << c.length;
    }
  }
}

TEST(SessionRulesTest, OverlapMessageStatesTheInsertedRange) {
  EXPECT_THAT(ValidateAgainstSession(Inserting(7001, 4000), kFaces),
              ElementsAre(ViolationOf(
                  kInsert,
                  "the inserted audio [7001, 11001] ms overlaps the "
                  "face's interval [5000, 9000] ms by 1999 ms")));
}

TEST(SessionRulesTest, InsertionBeyondTheFaceIntervalIsRejected) {
  EXPECT_THAT(ValidateAgainstSession(Inserting(9000, 5000), kFaces),
              ElementsAre(ViolationOf(kInsert, "by 0 ms")));
  EXPECT_THAT(ValidateAgainstSession(Inserting(20'000, 5000), kFaces),
              ElementsAre(ViolationOf(kInsert, "by 0 ms")));
  EXPECT_THAT(ValidateAgainstSession(Inserting(0, 5000), kFaces),
              ElementsAre(ViolationOf(kInsert, "by 0 ms")));
}

TEST(SessionRulesTest, UnknownFaceIdListsTheSessionsFaces) {
  EXPECT_THAT(ValidateAgainstSession(Inserting(5000, 4000, "7"), kFaces),
              ElementsAre(ViolationOf(
                  "face_choose[0].face_id",
                  "is not a face of this session; its face ids are: \"0\", "
                  "\"1\"")));
  EXPECT_THAT(
      ValidateAgainstSession(Inserting(5000, 4000, "7"), {}),
      ElementsAre(ViolationOf("face_choose[0].face_id", "found no face")));
}

TEST(SessionRulesTest, ListsAtMostTenKnownFaceIds) {
  std::vector<KnownFace> many;
  for (int i = 0; i < 25; ++i) {
    many.push_back({absl::StrCat("id", i), 0, 10'000});
  }
  many.push_back({std::string(5000, 'z') + "\n", 0, 1});
  const FieldViolations got =
      ValidateAgainstSession(Inserting(0, 4000, "nope"), many);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0].description, HasSubstr("\"id9\" (and 16 more)"));
  EXPECT_THAT(got[0].description, Not(HasSubstr("\"id10\"")));
}

TEST(SessionRulesTest, HostileUpstreamIntervalsDoNotOverflow) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t bounds[] = {kMin, kMin + 1, -1, 0, 5000, kMax - 1, kMax};
  for (int64_t start : bounds) {
    for (int64_t end : bounds) {
      const FieldViolations got =
          ValidateAgainstSession(Inserting(1000, 4000), {{"0", start, end}});
      const bool covers = start <= 1000 && end >= 3000;
      EXPECT_EQ(got.empty(), covers) << start << ".." << end;
    }
  }
  // A long known id is cut and escaped in the list.
  const FieldViolations got = ValidateAgainstSession(
      Inserting(1000, 4000, "x"), {{std::string(1000, '\n'), 0, 1}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LT(got[0].description.size(), 400u);
}

TEST(SessionRulesTest, SkipsWhenTheRequestIsInvalid) {
  // Missing / invalid basics are ValidateCreateRequest's to report.
  CreateLipSyncTaskRequest no_face = ValidCreateRequest();
  no_face.clear_face_choose();
  EXPECT_THAT(ValidateAgainstSession(no_face, kFaces), IsEmpty());

  CreateLipSyncTaskRequest two_faces = Inserting(0, 5000, "nope");
  *two_faces.add_face_choose() = two_faces.face_choose(0);
  EXPECT_THAT(ValidateAgainstSession(two_faces, kFaces), IsEmpty());

  EXPECT_THAT(ValidateAgainstSession(Inserting(0, 5000, ""), kFaces),
              IsEmpty());
  EXPECT_THAT(ValidateAgainstSession(Inserting(0, 5000, "a\nb"), kFaces),
              IsEmpty());

  // Bad times: the face id is still checked, the overlap is not.
  CreateLipSyncTaskRequest bad_times = Inserting(0, 5000, "0");
  bad_times.mutable_face_choose(0)->clear_sound_insert_time();
  EXPECT_THAT(ValidateAgainstSession(bad_times, kFaces), IsEmpty());
  CreateLipSyncTaskRequest short_trim = Inserting(0, 1999, "0");
  EXPECT_THAT(ValidateAgainstSession(short_trim, kFaces), IsEmpty());
  CreateLipSyncTaskRequest unknown_bad_times = Inserting(-5, 5000, "9");
  EXPECT_THAT(ValidateAgainstSession(unknown_bad_times, kFaces),
              ElementsAre(ViolationOf("face_choose[0].face_id")));
}

}  // namespace
}  // namespace lipsync::validation

// The stored-session codec: round trip, and every malformed value refused
// (a reader treats it as absent).
#include "service/workflow/shared_sessions.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"

namespace lipsync::workflow {
namespace {

TEST(StoredSessionTest, RoundTripsFacesAndExpiry) {
  StoredSession session;
  session.expires_at = absl::FromUnixMillis(1765000000123);
  session.faces = {
      {"0", 0, 5000}, {"face;with,odd:bytes\n\t", 1200, 9000}, {"", -1, 0}};
  const std::string value = EncodeStoredSession(session);
  EXPECT_EQ(value.rfind("v1;", 0), 0u) << value;
  absl::StatusOr<StoredSession> decoded = DecodeStoredSession(value);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->expires_at, session.expires_at);
  ASSERT_EQ(decoded->faces.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(decoded->faces[i].face_id, session.faces[i].face_id);
    EXPECT_EQ(decoded->faces[i].start_time_ms, session.faces[i].start_time_ms);
    EXPECT_EQ(decoded->faces[i].end_time_ms, session.faces[i].end_time_ms);
  }
}

TEST(StoredSessionTest, AnEmptySessionRoundTrips) {
  StoredSession session;
  session.expires_at = absl::FromUnixMillis(5);
  absl::StatusOr<StoredSession> decoded =
      DecodeStoredSession(EncodeStoredSession(session));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(decoded->faces.empty());
}

TEST(StoredSessionTest, RefusesGarbageAndOtherVersions) {
  const std::string good = EncodeStoredSession(
      {{{"face-a", 0, 4000}}, absl::FromUnixMillis(1765000000000)});
  for (const std::string& bad : std::vector<std::string>{
           "",
           "garbage",
           std::string("\0\xff\xfe", 3),
           "v2;1765000000000;0;",
           "v1;",
           "v1;;0;",
           "v1;x;0;",
           "v1;1765000000000;-1;",
           "v1;1765000000000;1001;",
           "v1;1765000000000;99999999999999999999;",
           "v1;1765000000000;1;",
           "v1;1765000000000;1;0,4000,6:face-a",
           "v1;1765000000000;1;0,4000,7:face-a;",
           "v1;1765000000000;1;0,4000,99999:face-a;",
           "v1;1765000000000;1;0,4000,-1:face-a;",
           "v1;1765000000000;1;a,4000,6:face-a;",
           "v1;1765000000000;2;0,4000,6:face-a;",
           good + "x",
           good.substr(0, good.size() - 1),
       }) {
    absl::StatusOr<StoredSession> decoded = DecodeStoredSession(bad);
    EXPECT_FALSE(decoded.ok()) << absl::CEscape(bad);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(decoded.status().message().find("face-a"),
                absl::string_view::npos);
    }
  }
  EXPECT_TRUE(DecodeStoredSession(good).ok());
}

}  // namespace
}  // namespace lipsync::workflow

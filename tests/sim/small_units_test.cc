// Unit tests of kling-sim's small pieces: base64, JWT, ids, faces, faults,
// callback targets, the request log.

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "sim/base64.h"
#include "sim/callbacks.h"
#include "sim/face_identifier.h"
#include "sim/faults.h"
#include "sim/ids.h"
#include "sim/jwt_verifier.h"
#include "sim/request_log.h"

namespace kling_sim {
namespace {

using nlohmann::json;

TEST(Base64Test, DigestsStandardPaddedBase64Only) {
  for (const std::string bytes :
       {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    const std::optional<Base64Digest> digest =
        DigestStandardBase64(absl::Base64Escape(bytes));
    ASSERT_TRUE(digest.has_value()) << bytes;
    EXPECT_EQ(digest->decoded_size, bytes.size());
    EXPECT_EQ(digest->fnv1a64, Fnv1a64(bytes));
    EXPECT_EQ(Base64DecodedSize(absl::Base64Escape(bytes)), bytes.size());
  }
  for (const char* bad : {"YQ", "YQ=", "Y===", "YQ==YQ==", "YW_j", "YW j"}) {
    EXPECT_FALSE(DigestStandardBase64(bad).has_value()) << bad;
  }
}

TEST(Base64Test, Fnv1a64MatchesKnownVectors) {
  EXPECT_EQ(Hex16(Fnv1a64("")), "cbf29ce484222325");
  EXPECT_EQ(Hex16(Fnv1a64("a")), "af63dc4c8601ec8c");
}

TEST(JwtVerifierTest, ClassifiesTokens) {
  const JwtVerifier verifier("ak", "sk");
  const int64_t now = 1700000000;
  EXPECT_EQ(verifier.Verify(MintKlingJwt("ak", "sk", now - 5, now + 1800), now),
            JwtVerdict::kValid);
  EXPECT_EQ(
      verifier.Verify(MintKlingJwt("ak", "bad", now - 5, now + 1800), now),
      JwtVerdict::kInvalid);
  EXPECT_EQ(
      verifier.Verify(MintKlingJwt("ak", "sk", now + 10, now + 1800), now),
      JwtVerdict::kNotYetValid);
  EXPECT_EQ(verifier.Verify(MintKlingJwt("ak", "sk", now - 100, now), now),
            JwtVerdict::kExpired);
  EXPECT_EQ(verifier.Verify("a.b.c", now), JwtVerdict::kInvalid);
  // alg "none" with no signature is refused.
  const std::string none =
      absl::WebSafeBase64Escape(R"({"alg":"none"})") + "." +
      absl::WebSafeBase64Escape(R"({"iss":"ak","exp":1e10})") + ".";
  EXPECT_EQ(verifier.Verify(none, now), JwtVerdict::kInvalid);
}

TEST(IdGeneratorTest, HandsOutDistinctDecimalIds) {
  IdGenerator ids(12345);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ids.NextDecimalId();
    EXPECT_EQ(id.size(), 18u);
    EXPECT_EQ(id.find_first_not_of("0123456789"), std::string::npos);
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_TRUE(seen.insert(ids.NextRequestId()).second);
  }
}

TEST(FaceIdentifierTest, FacesFitTheVideoAndAreDeterministic) {
  for (int i = 0; i < 200; ++i) {
    const std::string key = "video-" + std::to_string(i);
    const IdentifiedVideo video = IdentifyFaces(key);
    EXPECT_GE(video.duration_ms, 5000);
    EXPECT_LE(video.duration_ms, 60000);
    ASSERT_GE(video.faces.size(), 1u);
    ASSERT_LE(video.faces.size(), 3u);
    for (const Face& face : video.faces) {
      EXPECT_GE(face.start_time, 0);
      EXPECT_LE(face.end_time, video.duration_ms);
      EXPECT_GE(face.end_time - face.start_time, 3000);
    }
    EXPECT_EQ(IdentifyFaces(key).faces[0].face_id, video.faces[0].face_id);
  }
}

TEST(FaultQueueTest, TakesFromTheOldestMatchingSpecFirst) {
  FaultQueue queue;
  auto spec = [](const json& body) { return *ParseFaultSpec(body); };
  queue.Add(spec({{"fault", "error"}, {"method", "get"}, {"count", 2}}));
  queue.Add(spec({{"fault", "empty_body"}, {"path_prefix", "/v1/videos/id"}}));

  EXPECT_FALSE(queue.Take("POST", "/v1/videos/advanced-lip-sync").has_value());
  EXPECT_EQ(queue.Take("POST", "/v1/videos/identify-face")->kind,
            FaultKind::kEmptyBody);
  EXPECT_EQ(queue.Take("GET", "/v1/x")->kind, FaultKind::kError);
  EXPECT_EQ(queue.Take("GET", "/v1/x")->kind, FaultKind::kError);
  EXPECT_FALSE(queue.Take("GET", "/v1/x").has_value());
}

TEST(FaultQueueTest, ParsesDefaultsAndRefusesNonsense) {
  const FaultSpec rate = *ParseFaultSpec({{"fault", "rate_limit"}});
  EXPECT_EQ(rate.count, 1);
  EXPECT_EQ(rate.fault.retry_after_s, 1);
  EXPECT_TRUE(AppliesBeforeEffect(FaultKind::kRateLimit));
  EXPECT_FALSE(AppliesBeforeEffect(FaultKind::kReset));
  EXPECT_EQ(ParseFaultSpec({{"fault", "code_in_200"}})->fault.http_status, 200);
  EXPECT_FALSE(ParseFaultSpec({{"fault", "nope"}}).ok());
  EXPECT_FALSE(ParseFaultSpec({{"fault", "error"}, {"count", 0}}).ok());
  EXPECT_FALSE(ParseFaultSpec({{"fault", "latency"}, {"ms", "5"}}).ok());
  EXPECT_FALSE(ParseFaultSpec(json::array()).ok());
}

TEST(LoopbackCallbackTargetTest, OnlyLoopbackHosts) {
  auto target = LoopbackCallbackTarget("http://127.0.0.1:8080/hook?a=1");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->scheme_host_port, "http://127.0.0.1:8080");
  EXPECT_EQ(target->path, "/hook?a=1");
  EXPECT_TRUE(LoopbackCallbackTarget("http://localhost/x").has_value());
  EXPECT_TRUE(LoopbackCallbackTarget("http://127.8.9.10:1/").has_value());
  EXPECT_TRUE(LoopbackCallbackTarget("http://[::1]:9000/cb").has_value());
  EXPECT_EQ(LoopbackCallbackTarget("http://[::1]:9000")->path, "/");
  for (const char* remote :
       {"http://example.com/cb", "http://10.0.0.1/cb", "http://128.0.0.1/",
        "https://127.0.0.1.example.com/", "http://127.0.0.1@evil.test/",
        "ftp://127.0.0.1/", "http://[::2]/"}) {
    EXPECT_FALSE(LoopbackCallbackTarget(remote).has_value()) << remote;
  }
}

TEST(RequestLogTest, BoundedAndAnnotatable) {
  RequestLog log(2);
  RecordedRequest request;
  request.path = "/v1/a";
  const uint64_t first = log.Append(request, "r");
  log.Append(request, "r");
  const uint64_t third = log.Append(request, "r");
  log.Annotate(first, {1, 2});  // already dropped: ignored
  log.Annotate(third, {3, 4});
  const auto record = log.ToJson("");
  ASSERT_EQ(record.size(), 2u);
  EXPECT_EQ(record[1]["sound_file_decoded_size"], 3);
  EXPECT_EQ(log.StatsJson()["requests_total"], 3);
  log.ClearRecord();
  EXPECT_EQ(log.ToJson("").size(), 0u);
  EXPECT_EQ(log.StatsJson()["requests_total"], 3);
}

}  // namespace
}  // namespace kling_sim

// Seeded random mutations of real answers through every parser: no crash, no
// exception, and every failure carries an ErrorInfo that parses back (proto3
// strings must be valid UTF-8).
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/translate/envelope.h"
#include "service/translate/task_json.h"

namespace lipsync::translate {
namespace {

constexpr const char* kSeeds[] = {
    (R"({"code":0,"message":"SUCCEED","request_id":"r","data":{"task_id":"8",)"
     R"("task_status":"succeed","task_info":{"parent_video":{"id":"1",)"
     R"("url":"u","duration":"5.0"},"external_task_id":"e"},"task_result":)"
     R"({"videos":[{"id":"2","url":"v","watermark_url":"w","duration":"5"}]},)"
     R"("watermark_info":{"enabled":true},"final_unit_deduction":"5",)"
     R"("final_balance_deduction":{"quota":"1","list_price":"2"},)"
     R"("created_at":1722769557708,"updated_at":1722769557708}})"),
    R"({"code":0,"request_id":"r","data":[{"task_id":"1"},{"task_id":2}]})",
    (R"({"code":0,"data":{"session_id":"s","face_data":[{"face_id":"0",)"
     R"("face_image":"i","start_time":0,"end_time":5200}]}})"),
    R"({"code":1303,"message":"并发超限","request_id":"r","data":null})",
};

constexpr char kAlphabet[] =
    "{}[]\",:0123456789.-eE\\ntrufalsu\xC3\xA9\xFF\x01";

void ExpectReadableError(const absl::Status& s) {
  if (s.ok()) return;
  EXPECT_TRUE(GetErrorInfo(s).has_value()) << s;
}

TEST(HostileAnswerTest, RandomMutationsNeverCrashOrThrow) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 20000; ++round) {
    std::string body = kSeeds[round % std::size(kSeeds)];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      const char c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
      switch (rng() % 3) {
        case 0:
          body[at] = c;
          break;
        case 1:
          body.insert(at, 1, c);
          break;
        default:
          body.erase(at, 1 + rng() % 8);
      }
    }
    const int http_status = round % 7 == 0 ? 502 : 200;
    absl::StatusOr<Envelope> envelope =
        ParseEnvelope(http_status, body, std::nullopt);
    if (!envelope.ok()) {
      ExpectReadableError(envelope.status());
      continue;
    }
    ExpectReadableError(ParseTaskAnswer(*envelope).status());
    ExpectReadableError(ParseCreateAnswer(*envelope).status());
    ExpectReadableError(ParseListAnswer(*envelope, 2).status());
    ExpectReadableError(ParseIdentifyAnswer(*envelope).status());
  }
}

}  // namespace
}  // namespace lipsync::translate

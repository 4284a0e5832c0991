// End-to-end tests of the Kling API as kling-sim serves it: a real process,
// real HTTP on loopback.

#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sim/jwt_verifier.h"
#include "tests/sim/sim_fixture.h"

namespace kling_sim_test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

bool IsDecimal(const std::string& text) {
  return !text.empty() &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

void ExpectError(const httplib::Result& result, int http_status, int code) {
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, http_status) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json body = BodyOf(result);
  EXPECT_EQ(body.value("code", -1), code) << result->body;
  EXPECT_FALSE(body.value("request_id", "").empty());
  EXPECT_FALSE(body.value("message", "").empty());
  EXPECT_TRUE(!body.contains("data") || body["data"].is_null());
}

using AuthTest = SimTest;

TEST_F(AuthTest, MissingHeaderIs1001) {
  ExpectError(client().Get(kCreatePath), 401, 1001);
}

TEST_F(AuthTest, WrongKeyOrSchemeIs1002) {
  ExpectError(client().Get(kCreatePath, Auth("not-the-key")), 401, 1002);
  ExpectError(client().Get(kCreatePath, {{"Authorization", "Basic sim-key"}}),
              401, 1002);
  ExpectError(client().Post(kCreatePath, Auth("wrong"), kSeedRequestJson,
                            "application/json"),
              401, 1002);
}

TEST_F(AuthTest, RightKeyIsAccepted) {
  auto result = client().Get(kCreatePath, Auth());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(AuthTest, JwtModeChecksSignatureNbfAndExp) {
  Restart({"--access_key=ak", "--secret_key=sk"});
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto get = [&](const std::string& token) {
    return client().Get(kCreatePath, Auth(token));
  };
  auto ok = get(kling_sim::MintKlingJwt("ak", "sk", now - 5, now + 1800));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  ExpectError(get(kling_sim::MintKlingJwt("ak", "other", now - 5, now + 1800)),
              401, 1002);
  ExpectError(get(kling_sim::MintKlingJwt("other", "sk", now - 5, now + 1800)),
              401, 1002);
  ExpectError(get(kling_sim::MintKlingJwt("ak", "sk", now + 600, now + 1800)),
              401, 1003);
  ExpectError(get(kling_sim::MintKlingJwt("ak", "sk", now - 3600, now - 60)),
              401, 1004);
  // The static key still works beside the JWT.
  auto key = get(kApiKey);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->status, 200);
}

using CreateTest = SimTest;

TEST_F(CreateTest, AcceptsTheSeedExampleVerbatim) {
  auto result = Create(kSeedRequestJson);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json body = BodyOf(result);
  EXPECT_EQ(body["code"], 0);
  EXPECT_EQ(body["message"], "SUCCEED");
  EXPECT_FALSE(body.value("request_id", "").empty());
  const json& data = body["data"];
  EXPECT_TRUE(IsDecimal(data.value("task_id", ""))) << data;
  EXPECT_EQ(data["task_status"], "submitted");
  EXPECT_EQ(data["task_info"], json::object());  // no external_task_id
  EXPECT_TRUE(data["created_at"].is_number_integer());
  EXPECT_EQ(data["created_at"], data["updated_at"]);
}

TEST_F(CreateTest, RefusesAFloatInAnIntegerField) {
  for (const char* field :
       {"sound_start_time", "sound_end_time", "sound_insert_time"}) {
    json body = SeedJson();
    body["face_choose"][0][field] = 1000.0;
    auto result = Create(body.dump());
    ExpectError(result, 400, 1201);
    EXPECT_TRUE(absl::StrContains(result->body, field)) << result->body;
  }
  json quoted = SeedJson();
  quoted["face_choose"][0]["sound_end_time"] = "5000";
  ExpectError(Create(quoted.dump()), 400, 1201);
}

TEST_F(CreateTest, RefusesBodiesThatBreakTheSeedRules) {
  const auto mutate = [](auto change) {
    json body = SeedJson();
    change(body);
    return body.dump();
  };
  const std::string cases[] = {
      mutate([](json& b) { b.erase("session_id"); }),
      mutate([](json& b) { b["face_choose"].push_back(b["face_choose"][0]); }),
      mutate([](json& b) { b["face_choose"] = json::array(); }),
      mutate([](json& b) { b["face_choose"][0]["sound_file"] = "QUJD"; }),
      mutate([](json& b) { b["face_choose"][0]["audio_id"] = ""; }),
      mutate([](json& b) { b["face_choose"][0]["sound_end_time"] = 1999; }),
      mutate([](json& b) { b["face_choose"][0]["sound_volume"] = 2.5; }),
      mutate(
          [](json& b) { b["face_choose"][0].erase("original_audio_volume"); }),
      mutate([](json& b) {
        b["watermark_info"] = {{"enabled", "yes"}};
      }),
      "[]",
  };
  for (const std::string& body : cases) {
    SCOPED_TRACE(body);
    ExpectError(Create(body), 400, 1201);
  }
  ExpectError(Create("{not json"), 400, 1200);
  EXPECT_EQ(TaskCount(), 0u);
}

TEST_F(CreateTest, DuplicateExternalTaskIdIsRefused) {
  auto first = Create(CreateBody("order-42"));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(BodyOf(first)["data"]["task_info"]["external_task_id"], "order-42");

  auto second = Create(CreateBody("order-42"));
  ExpectError(second, 400, 1201);
  EXPECT_TRUE(absl::StartsWith(BodyOf(second).value("message", ""),
                               "duplicate external_task_id"))
      << second->body;
  EXPECT_EQ(TaskCount(), 1u);

  // Empty external ids never collide.
  for (int i = 0; i < 2; ++i) {
    auto result = Create(kSeedRequestJson);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
  }
}

using LifecycleTest = SimTest;

TEST_F(LifecycleTest, IdentifyThenCreateThenQueryUntilSucceed) {
  auto identify = client().Post(kIdentifyPath, Auth(),
                                R"({"video_url":"https://example.com/a.mp4"})",
                                "application/json");
  ASSERT_TRUE(identify);
  ASSERT_EQ(identify->status, 200) << identify->body;
  const json session = BodyOf(identify)["data"];
  EXPECT_TRUE(IsDecimal(session.value("session_id", "")));
  EXPECT_EQ(session["final_unit_deduction"], "1");
  ASSERT_TRUE(session["face_data"].is_array());
  ASSERT_GE(session["face_data"].size(), 1u);
  const json face = session["face_data"][0];
  const int64_t face_start = face["start_time"];
  EXPECT_GE(face["end_time"].get<int64_t>() - face_start, 3000);

  json body = SeedJson();
  body["session_id"] = session["session_id"];
  body["face_choose"][0]["face_id"] = face["face_id"];
  body["face_choose"][0]["sound_end_time"] = 3000;
  body["face_choose"][0]["sound_insert_time"] = face_start;
  body["external_task_id"] = "ext-lifecycle";
  body["watermark_info"] = {{"enabled", true}};
  auto created = Create(body.dump());
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string task_id = BodyOf(created)["data"]["task_id"];

  std::vector<std::string> seen;
  json task;
  ASSERT_TRUE(PollUntil(milliseconds(5000), [&] {
    auto query = client().Get(std::string(kCreatePath) + "/" + task_id, Auth());
    if (!query || query->status != 200) return false;
    task = BodyOf(query)["data"];
    if (seen.empty() || seen.back() != task["task_status"]) {
      seen.push_back(task["task_status"]);
    }
    return task["task_status"] == "succeed";
  })) << task;
  EXPECT_EQ(seen.back(), "succeed");
  EXPECT_TRUE(seen.front() == "submitted" || seen.front() == "processing");

  EXPECT_EQ(task["task_id"], task_id);
  EXPECT_EQ(task["task_info"]["external_task_id"], "ext-lifecycle");
  EXPECT_EQ(task["task_info"]["parent_video"]["url"],
            "https://example.com/a.mp4");
  EXPECT_EQ(task["watermark_info"]["enabled"], true);
  const json& video = task["task_result"]["videos"][0];
  EXPECT_TRUE(IsDecimal(video.value("id", "")));
  EXPECT_TRUE(video["duration"].is_string());
  EXPECT_FALSE(video.value("url", "").empty());
  EXPECT_FALSE(video.value("watermark_url", "").empty());
  EXPECT_EQ(
      task["updated_at"].get<int64_t>() - task["created_at"].get<int64_t>(),
      300);

  // The query path also accepts the external_task_id.
  auto by_external =
      client().Get(std::string(kCreatePath) + "/ext-lifecycle", Auth());
  ASSERT_TRUE(by_external);
  EXPECT_EQ(BodyOf(by_external)["data"]["task_id"], task_id);
}

TEST_F(LifecycleTest, FailPrefixedTasksFail) {
  auto created = Create(CreateBody("fail-on-purpose"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200);
  json task;
  ASSERT_TRUE(PollUntil(milliseconds(5000), [&] {
    auto query =
        client().Get(std::string(kCreatePath) + "/fail-on-purpose", Auth());
    task = BodyOf(query)["data"];
    return task.is_object() && task["task_status"] == "failed";
  })) << task;
  EXPECT_FALSE(task.value("task_status_msg", "").empty());
  EXPECT_FALSE(task["task_result"].contains("videos"));
}

TEST_F(LifecycleTest, UnknownTaskIs404With1203) {
  ExpectError(client().Get(std::string(kCreatePath) + "/123", Auth()), 404,
              1203);
}

TEST_F(LifecycleTest, ListPagesNewestFirstAndChecksBounds) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto created = Create(CreateBody("list-" + std::to_string(i)));
    ASSERT_TRUE(created);
    ids.push_back(BodyOf(created)["data"]["task_id"]);
  }
  auto page = [&](const std::string& query) {
    return client().Get(std::string(kCreatePath) + query, Auth());
  };
  const json first = BodyOf(page("?pageNum=1&pageSize=2"))["data"];
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0]["task_id"], ids[2]);
  EXPECT_EQ(first[1]["task_id"], ids[1]);
  const json second = BodyOf(page("?pageNum=2&pageSize=2"))["data"];
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["task_id"], ids[0]);
  EXPECT_EQ(BodyOf(page(""))["data"].size(), 3u);  // defaults 1 / 30
  EXPECT_EQ(BodyOf(page("?pageNum=1000&pageSize=500"))["data"].size(), 0u);

  for (const char* bad :
       {"?pageNum=0", "?pageNum=1001", "?pageSize=0", "?pageSize=501",
        "?pageNum=1.0", "?pageSize=abc", "?pageNum="}) {
    SCOPED_TRACE(bad);
    ExpectError(page(bad), 400, 1201);
  }
}

using IdentifyTest = SimTest;

TEST_F(IdentifyTest, IsDeterministicAndChecksItsBody) {
  auto identify = [&](const std::string& body) {
    return client().Post(kIdentifyPath, Auth(), body, "application/json");
  };
  const json a = BodyOf(identify(R"({"video_id":"v-1"})"))["data"];
  const json b = BodyOf(identify(R"({"video_id":"v-1"})"))["data"];
  EXPECT_EQ(a["face_data"], b["face_data"]);
  EXPECT_NE(a["session_id"], b["session_id"]);
  for (const json& face : a["face_data"]) {
    EXPECT_EQ(face["face_image"], "https://sim.invalid/faces/" +
                                      face["face_id"].get<std::string>() +
                                      ".png");
  }

  const json hooked =
      BodyOf(identify(R"({"video_url":"https://x.test/face_list.mp4"})"));
  EXPECT_TRUE(hooked["data"].contains("face_list")) << hooked;
  EXPECT_FALSE(hooked["data"].contains("face_data"));

  ExpectError(identify(R"({"video_id":"a","video_url":"https://x/b"})"), 400,
              1201);
  ExpectError(identify("{}"), 400, 1201);
  ExpectError(identify(R"({"video_id":""})"), 400, 1201);
  ExpectError(identify("nope"), 400, 1200);
}

TEST_F(IdentifyTest, StrictSessionsRefuseUnknownSessionsAndFaces) {
  Restart({"--strict_sessions"});
  ExpectError(Create(kSeedRequestJson), 400, 1201);

  const json session =
      BodyOf(client().Post(kIdentifyPath, Auth(), R"({"video_id":"v-9"})",
                           "application/json"))["data"];
  json body = SeedJson();
  body["session_id"] = session["session_id"];
  ExpectError(Create(body.dump()), 400, 1201);  // face "-1" is not in it

  const json& face = session["face_data"][0];
  body["face_choose"][0]["face_id"] = face["face_id"];
  body["face_choose"][0]["sound_end_time"] = 2000;
  body["face_choose"][0]["sound_insert_time"] = face["start_time"];
  auto created = Create(body.dump());
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 200) << created->body;
}

}  // namespace
}  // namespace kling_sim_test

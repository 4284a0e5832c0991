// The request record (/_sim/requests, /_sim/stats) and callbacks.

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "sim/base64.h"
#include "tests/sim/sim_fixture.h"

namespace kling_sim_test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using RecordTest = SimTest;

json Requests(httplib::Client& client, const std::string& query = "") {
  return BodyOf(client.Get("/_sim/requests" + query));
}

TEST_F(RecordTest, RecordsEveryApiRequestInOrder) {
  httplib::Headers headers = Auth();
  headers.emplace("X-Custom", "yes");
  ASSERT_TRUE(client().Post(kCreatePath, headers, kSeedRequestJson,
                            "application/json"));
  ASSERT_TRUE(client().Get(std::string(kCreatePath) + "?pageNum=2", Auth()));
  ASSERT_TRUE(client().Get("/_sim/stats"));  // control calls are not recorded

  const json record = Requests(client());
  ASSERT_EQ(record.size(), 2u) << record;
  EXPECT_EQ(record[0]["method"], "POST");
  EXPECT_EQ(record[0]["path"], kCreatePath);
  EXPECT_EQ(record[0]["body"], kSeedRequestJson);
  EXPECT_EQ(record[0]["body_size"], std::string(kSeedRequestJson).size());
  EXPECT_EQ(record[0]["headers"]["authorization"], "Bearer sim-key");
  EXPECT_EQ(record[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(record[0]["headers"]["x-custom"], "yes");
  EXPECT_EQ(record[1]["method"], "GET");
  EXPECT_EQ(record[1]["query"], "pageNum=2");

  EXPECT_EQ(Requests(client(), "?path_prefix=/v1/videos/identify").size(), 0u);

  const json stats = BodyOf(client().Get("/_sim/stats"));
  EXPECT_EQ(stats["requests_total"], 2);
  EXPECT_EQ(stats["by_path"]["POST /v1/videos/advanced-lip-sync"], 1);

  ASSERT_TRUE(client().Delete("/_sim/requests"));
  EXPECT_EQ(Requests(client()).size(), 0u);
  EXPECT_EQ(TaskCount(), 1u);  // tasks stay

  ASSERT_TRUE(client().Post("/_sim/reset", "", "application/json"));
  EXPECT_EQ(TaskCount(), 0u);
}

// A 5 MB audio crosses the sim intact; one byte more is refused.
TEST_F(RecordTest, LargeBase64AudioIsDigestedNotStored) {
  std::string audio(5 * 1024 * 1024, '\0');
  std::mt19937_64 random(42);
  for (char& byte : audio) byte = static_cast<char>(random());
  json body = SeedJson();
  body["face_choose"][0]["audio_id"] = "";
  body["face_choose"][0]["sound_file"] = absl::Base64Escape(audio);

  auto accepted = Create(body.dump());
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200) << accepted->body.substr(0, 300);

  audio.push_back('x');
  body["face_choose"][0]["sound_file"] = absl::Base64Escape(audio);
  auto refused = Create(body.dump());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(BodyOf(refused)["code"], 1201);

  const json record = Requests(client());
  ASSERT_EQ(record.size(), 2u);
  EXPECT_FALSE(record[0].contains("body"));                   // above 1 MiB
  EXPECT_GT(record[0]["body_size"].get<size_t>(), 6900000u);  // ~7 MB JSON
  EXPECT_EQ(record[0]["sound_file_decoded_size"], 5 * 1024 * 1024);
  audio.pop_back();
  EXPECT_EQ(record[0]["sound_file_fnv1a64"],
            kling_sim::Hex16(kling_sim::Fnv1a64(audio)));
  EXPECT_EQ(record[1]["sound_file_decoded_size"], 5 * 1024 * 1024 + 1);
}

TEST_F(RecordTest, CallbacksReportEachStatusChange) {
  httplib::Server receiver;
  absl::Mutex mu;
  std::vector<json> received;
  receiver.Post("/hook",
                [&](const httplib::Request& req, httplib::Response& res) {
                  absl::MutexLock lock(&mu);
                  received.push_back(json::parse(req.body, nullptr, false));
                  res.set_content("ok", "text/plain");
                });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { receiver.listen_after_bind(); });

  json body = SeedJson();
  body["external_task_id"] = "with-callback";
  body["callback_url"] = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  auto created = Create(body.dump());
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200);

  const bool all_arrived = PollUntil(milliseconds(5000), [&] {
    absl::MutexLock lock(&mu);
    return received.size() >= 3;
  });
  receiver.stop();
  serving.join();
  ASSERT_TRUE(all_arrived);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(received[0]["task_status"], "submitted");
  EXPECT_EQ(received[1]["task_status"], "processing");
  EXPECT_EQ(received[2]["task_status"], "succeed");
  EXPECT_EQ(received[2]["task_info"]["external_task_id"], "with-callback");
  EXPECT_EQ(received[2]["task_result"]["videos"].size(), 1u);
  EXPECT_FALSE(received[2].contains("code"));  // no envelope
}

}  // namespace
}  // namespace kling_sim_test

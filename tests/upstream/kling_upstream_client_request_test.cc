// KlingUpstreamClient sends the REST requests of the upstream contract
// (/work/shared/upstream/CONTRACT.md §1-§4): method, URL, headers, body.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "service/common/base64.h"
#include "service/upstream/credentials.h"
#include "service/upstream/kling_upstream_client.h"
#include "tests/support/fake_credentials.h"
#include "tests/support/fake_http_transport.h"
#include "tests/upstream/kling_client_operations.h"

namespace lipsync::upstream {
namespace {

using ::lipsync::testing_util::FakeCredentials;
using ::lipsync::testing_util::FakeHttpTransport;
using ::lipsync::testing_util::HttpAnswer;
using ::lipsync::testing_util::RecordedHttpRequest;
using ::testing::ElementsAre;
using ::testing::Optional;
using Json = nlohmann::json;
using kling_testing::kApiKey;
using kling_testing::kBaseUrl;
using kling_testing::Operation;
using kling_testing::Outcome;

const absl::Time kDeadline = absl::FromUnixSeconds(1700000123);

Json ParseBody(const RecordedHttpRequest& request) {
  EXPECT_EQ(request.body.size(), request.body_declared_size);
  Json json = Json::parse(request.body, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << request.body;
  return json;
}

v1::CreateLipSyncTaskRequest CreateWithAudioId() {
  v1::CreateLipSyncTaskRequest r;
  r.set_session_id("825465778199224380");
  auto* face = r.add_face_choose();
  face->set_face_id("0");
  face->set_audio_id("825451760499568680");
  face->set_sound_start_time(0);
  face->set_sound_end_time(5000);
  face->set_sound_insert_time(1000);
  face->set_sound_volume(1);
  face->set_original_audio_volume(0.5);
  return r;
}

class KlingUpstreamClientRequestTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeHttpTransport> transport_ =
      std::make_shared<FakeHttpTransport>();
  KlingUpstreamClient client_{kBaseUrl, MakeStaticKeyCredentials(kApiKey),
                              transport_};
  std::shared_ptr<CallContext> call_ = std::make_shared<CallContext>(kDeadline);
};

TEST_F(KlingUpstreamClientRequestTest, IdentifyFacePostsTheVideoUrlAsJson) {
  v1::IdentifyFaceRequest request;
  request.set_video_url("https://cdn.test/a b.mp4");
  Outcome<v1::IdentifyFaceResponse> outcome;
  client_.IdentifyFace(call_, request, outcome.Callback());

  const RecordedHttpRequest sent = transport_->last_request();
  EXPECT_EQ(sent.method, HttpMethod::kPost);
  EXPECT_EQ(sent.url, "https://kling.test/kling/v1/videos/identify-face");
  EXPECT_EQ(ParseBody(sent), Json({{"video_url", "https://cdn.test/a b.mp4"}}));
}

TEST_F(KlingUpstreamClientRequestTest, IdentifyFacePostsTheVideoId) {
  v1::IdentifyFaceRequest request;
  request.set_video_id("860000000000000001");
  Outcome<v1::IdentifyFaceResponse> outcome;
  client_.IdentifyFace(call_, request, outcome.Callback());

  EXPECT_EQ(ParseBody(transport_->last_request()),
            Json({{"video_id", "860000000000000001"}}));
}

TEST_F(KlingUpstreamClientRequestTest, CreatePostsTheFaceChoiceAsJson) {
  const v1::CreateLipSyncTaskRequest request = CreateWithAudioId();
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call_, request, outcome.Callback());

  const RecordedHttpRequest sent = transport_->last_request();
  EXPECT_EQ(sent.method, HttpMethod::kPost);
  EXPECT_EQ(sent.url, "https://kling.test/kling/v1/videos/advanced-lip-sync");
  EXPECT_EQ(ParseBody(sent), Json::parse(R"({
      "session_id": "825465778199224380",
      "face_choose": [{"face_id": "0", "audio_id": "825451760499568680",
                       "sound_start_time": 0, "sound_end_time": 5000,
                       "sound_insert_time": 1000, "sound_volume": 1,
                       "original_audio_volume": 0.5}]})"));
}

TEST_F(KlingUpstreamClientRequestTest,
       CreateStreamsInlineAudioAsTheBase64OfItsBytes) {
  v1::CreateLipSyncTaskRequest message = CreateWithAudioId();
  message.mutable_face_choose(0)->clear_audio_id();
  // Several chunks of odd sizes, so groups of 3 bytes straddle chunks.
  absl::Cord audio;
  std::string flat;
  for (int i = 0; i < 7; ++i) {
    std::string chunk(40001 + i, static_cast<char>('a' + i));
    chunk[0] = static_cast<char>(0xFF - i);
    flat += chunk;
    audio.Append(std::move(chunk));
  }
  const CreateRequest request(message, {audio});
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call_, request, outcome.Callback());

  const Json body = ParseBody(transport_->last_request());
  EXPECT_EQ(body["face_choose"][0]["sound_file"], Base64Encode(flat));
  EXPECT_FALSE(body["face_choose"][0].contains("audio_id"));
  EXPECT_FALSE(body["face_choose"][0].contains("sound_file_bytes"));
}

TEST_F(KlingUpstreamClientRequestTest,
       CreateSendsTheContextsIdempotencyKeyAsExternalTaskId) {
  auto call = std::make_shared<CallContext>(kDeadline, "gw-idem-7f3a");
  const v1::CreateLipSyncTaskRequest request = CreateWithAudioId();
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call, request, outcome.Callback());

  EXPECT_EQ(ParseBody(transport_->last_request())["external_task_id"],
            "gw-idem-7f3a");
}

TEST_F(KlingUpstreamClientRequestTest, CreateKeepsTheCallersExternalTaskId) {
  auto call = std::make_shared<CallContext>(kDeadline, "gw-idem-7f3a");
  v1::CreateLipSyncTaskRequest request = CreateWithAudioId();
  request.set_external_task_id("caller-42");
  request.set_callback_url("https://caller.test/hook");
  request.mutable_watermark_info()->set_enabled(true);
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call, request, outcome.Callback());

  const Json body = ParseBody(transport_->last_request());
  EXPECT_EQ(body["external_task_id"], "caller-42");
  EXPECT_EQ(body["callback_url"], "https://caller.test/hook");
  EXPECT_EQ(body["watermark_info"], Json({{"enabled", true}}));
}

struct GetRow {
  std::string task_id;
  std::string external_task_id;
  std::string path;  // after /v1/videos/advanced-lip-sync
};

TEST_F(KlingUpstreamClientRequestTest, GetAddressesTheTaskInOnePathSegment) {
  const std::vector<GetRow> rows = {
      {"825", "", "/825"},
      {"", "caller-42", "/caller-42"},
      {"825", "caller-42", "/825"},  // the task id wins
      {"", "a/b?c=d#e f", "/a%2Fb%3Fc%3Dd%23e%20f"},
      {"", "-._~", "/-._~"},
      {"", "任务", "/%E4%BB%BB%E5%8A%A1"},
  };
  for (const GetRow& row : rows) {
    SCOPED_TRACE(row.path);
    v1::GetLipSyncTaskRequest request;
    request.set_task_id(row.task_id);
    request.set_external_task_id(row.external_task_id);
    Outcome<v1::LipSyncTask> outcome;
    client_.GetLipSyncTask(call_, request, outcome.Callback());

    const RecordedHttpRequest sent = transport_->last_request();
    EXPECT_EQ(sent.method, HttpMethod::kGet);
    EXPECT_EQ(sent.url, std::string(kBaseUrl) + "/v1/videos/advanced-lip-sync" +
                            row.path);
    EXPECT_EQ(sent.body_declared_size, 0U);
  }
}

struct ListRow {
  int page_num;
  int page_size;
  std::string query;
};

TEST_F(KlingUpstreamClientRequestTest, ListSendsThePageInTheQueryString) {
  const std::vector<ListRow> rows = {
      {0, 0, "?pageNum=1&pageSize=30"},  // unset: the contract's defaults
      {3, 0, "?pageNum=3&pageSize=30"},
      {0, 50, "?pageNum=1&pageSize=50"},
      {1, 1, "?pageNum=1&pageSize=1"},
      {1000, 500, "?pageNum=1000&pageSize=500"},
  };
  for (const ListRow& row : rows) {
    SCOPED_TRACE(row.query);
    v1::ListLipSyncTasksRequest request;
    request.set_page_num(row.page_num);
    request.set_page_size(row.page_size);
    Outcome<v1::ListLipSyncTasksResponse> outcome;
    client_.ListLipSyncTasks(call_, request, outcome.Callback());

    const RecordedHttpRequest sent = transport_->last_request();
    EXPECT_EQ(sent.method, HttpMethod::kGet);
    EXPECT_EQ(sent.url, std::string(kBaseUrl) + "/v1/videos/advanced-lip-sync" +
                            row.query);
    EXPECT_EQ(sent.body_declared_size, 0U);
  }
}

// What holds for every operation.
class EveryOperationRequestTest
    : public KlingUpstreamClientRequestTest,
      public ::testing::WithParamInterface<Operation> {
 protected:
  // Starts the operation; returns how often it completed (at once).
  std::shared_ptr<Outcome<int>> Start(std::shared_ptr<CallContext> call) {
    auto outcome = std::make_shared<Outcome<int>>();
    GetParam().start(
        client_, std::move(call),
        [outcome, cb = outcome->Callback()](absl::Status s) {
          cb(s.ok() ? absl::StatusOr<int>(0) : absl::StatusOr<int>(s));
        });
    return outcome;
  }
};

TEST_P(EveryOperationRequestTest, SendsOneRequestToTheOperationsUrl) {
  Start(call_);
  ASSERT_EQ(transport_->sent(), 1U);
  EXPECT_EQ(transport_->last_request().method, GetParam().method);
  EXPECT_EQ(transport_->last_request().url, GetParam().url);
}

TEST_P(EveryOperationRequestTest, AuthorizesWithTheCredentialsBearerKey) {
  Start(call_);
  const RecordedHttpRequest sent = transport_->last_request();
  EXPECT_THAT(sent.HeaderValues("Authorization"),
              ElementsAre("Bearer sk-test-0123"));
  EXPECT_THAT(sent.Header("Accept"), Optional(std::string("application/json")));
}

TEST_P(EveryOperationRequestTest, DeclaresAJsonBodyExactlyWhenItPosts) {
  Start(call_);
  const RecordedHttpRequest sent = transport_->last_request();
  if (GetParam().method == HttpMethod::kPost) {
    EXPECT_THAT(sent.HeaderValues("Content-Type"),
                ElementsAre("application/json"));
    EXPECT_GT(sent.body_declared_size, 0U);
    ParseBody(sent);
  } else {
    EXPECT_THAT(sent.HeaderValues("Content-Type"), ::testing::IsEmpty());
    EXPECT_EQ(sent.body_declared_size, 0U);
    EXPECT_EQ(sent.body, "");
  }
}

TEST_P(EveryOperationRequestTest, HandsTheCallersContextToTheTransport) {
  Start(call_);
  const RecordedHttpRequest sent = transport_->last_request();
  EXPECT_EQ(sent.call, call_);  // so the transfer obeys its cancellation
  EXPECT_EQ(sent.call->deadline(), kDeadline);
}

TEST_P(EveryOperationRequestTest, CompletesOnlyWhenTheTransportAnswers) {
  const auto outcome = Start(call_);
  EXPECT_EQ(transport_->held(), 1U);
  EXPECT_FALSE(outcome->done());

  ASSERT_TRUE(transport_->AnswerHeld(HttpAnswer(
      200, R"({"code":0,"message":"SUCCEED","request_id":"r","data":{}})")));
  EXPECT_EQ(outcome->calls(), 1);
}

TEST_P(EveryOperationRequestTest, FailingCredentialsSendNothing) {
  KlingUpstreamClient client(
      kBaseUrl,
      std::make_shared<FakeCredentials>(
          absl::InternalError("could not sign the upstream JWT")),
      transport_);
  Outcome<int> outcome;
  GetParam().start(client, call_, [cb = outcome.Callback()](absl::Status s) {
    cb(s.ok() ? absl::StatusOr<int>(0) : absl::StatusOr<int>(s));
  });

  EXPECT_EQ(transport_->sent(), 0U);
  ASSERT_EQ(outcome.calls(), 1);
  EXPECT_EQ(outcome.result().status(),
            absl::InternalError("could not sign the upstream JWT"));
}

TEST_P(EveryOperationRequestTest, SendsTheHeaderLineTheCredentialsGive) {
  KlingUpstreamClient client(
      kBaseUrl,
      std::make_shared<FakeCredentials>(
          std::string("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")),
      transport_);
  GetParam().start(client, call_, [](absl::Status) {});

  EXPECT_THAT(transport_->last_request().HeaderValues("Authorization"),
              ElementsAre("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"));
}

INSTANTIATE_TEST_SUITE_P(AllOperations, EveryOperationRequestTest,
                         ::testing::ValuesIn(kling_testing::AllOperations()),
                         [](const ::testing::TestParamInfo<Operation>& info) {
                           return info.param.name;
                         });

TEST_F(KlingUpstreamClientRequestTest,
       TraceHeadersCarryAChildSpanTheTracestateAndTheRequestId) {
  auto traced = std::make_shared<CallContext>(
      kDeadline,
      TraceContext::FromCaller(
          std::string(
              "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
          std::string("congo=t61rcWkgMzE"), std::string("caller-7")));
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("1");
  Outcome<v1::LipSyncTask> first;
  client_.GetLipSyncTask(traced, request, first.Callback());
  const std::vector<std::string> headers = transport_->last_request().headers;
  Outcome<v1::LipSyncTask> second;
  client_.GetLipSyncTask(traced, request, second.Callback());
  const std::vector<std::string> again = transport_->last_request().headers;

  auto header = [](const std::vector<std::string>& all,
                   absl::string_view name) -> std::string {
    for (const std::string& line : all) {
      if (absl::StartsWith(line, absl::StrCat(name, ": "))) {
        return line.substr(name.size() + 2);
      }
    }
    return "";
  };
  const std::string parent = header(headers, "traceparent");
  ASSERT_EQ(parent.size(), kTraceparentLength) << parent;
  EXPECT_TRUE(absl::StartsWith(parent, "00-4bf92f3577b34da6a3ce929d0e0e4736-"));
  EXPECT_TRUE(absl::EndsWith(parent, "-01"));
  EXPECT_NE(parent.substr(36, 16), "00f067aa0ba902b7");
  EXPECT_NE(parent.substr(36, 16), traced->trace().span_id());
  // Every exchange is a span of its own.
  EXPECT_NE(header(again, "traceparent"), parent);
  EXPECT_EQ(header(headers, "tracestate"), "congo=t61rcWkgMzE");
  EXPECT_EQ(header(headers, "X-Request-Id"), "caller-7");
}

TEST_F(KlingUpstreamClientRequestTest, NoTraceNoTraceHeaders) {
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("1");
  Outcome<v1::LipSyncTask> outcome;
  client_.GetLipSyncTask(call_, request, outcome.Callback());
  for (const std::string& line : transport_->last_request().headers) {
    EXPECT_FALSE(absl::StartsWith(line, "traceparent:")) << line;
    EXPECT_FALSE(absl::StartsWith(line, "tracestate:")) << line;
    EXPECT_FALSE(absl::StartsWith(line, "X-Request-Id:")) << line;
  }
}

}  // namespace
}  // namespace lipsync::upstream

// At least 100 malformed requests through the real gateway: each gets
// INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for size) with a clear message,
// nothing reaches the upstream, and the next valid call is served.
#include <grpcpp/generic/generic_stub.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "service/common/base64.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Mutation = std::function<void(v1::CreateLipSyncTaskRequest*)>;

struct HostileCase {
  std::string name;
  Mutation mutate;
};

std::vector<HostileCase> HostileCases() {
  std::vector<HostileCase> cases;
  auto face = [](v1::CreateLipSyncTaskRequest* r) {
    return r->mutable_face_choose(0);
  };
  // Oversized and control-character ids, in every id field.
  const std::vector<std::pair<
      std::string,
      std::function<void(v1::CreateLipSyncTaskRequest*, const std::string&)>>>
      id_fields = {
          {"session_id",
           [](auto* r, const std::string& v) { r->set_session_id(v); }},
          {"face_id",
           [face](auto* r, const std::string& v) { face(r)->set_face_id(v); }},
          {"audio_id",
           [face](auto* r, const std::string& v) { face(r)->set_audio_id(v); }},
          {"external_task_id",
           [](auto* r, const std::string& v) { r->set_external_task_id(v); }},
          {"request_id",
           [](auto* r, const std::string& v) { r->set_request_id(v); }},
      };
  const std::vector<std::pair<std::string, std::string>> bad_ids = {
      {"1 MB", std::string(1 << 20, '7')},
      {"257 chars", std::string(257, 'a')},
      {"newline", "12\n34"},
      {"NUL", std::string("12\0"
                          "34",
                          5)},
      {"DEL", "12\x7F"},
      {"ESC", "\x1b[31mred"},
      // (Invalid UTF-8 cannot be set through the stub: a proto3 string must
      // be UTF-8. Bytes that are no CreateLipSyncTaskRequest are sent raw
      // below. See docs/errors.md.)
      {"vertical tab", "a\vb"},
      {"tab", "a\tb"},
  };
  for (const auto& [field, set] : id_fields) {
    for (const auto& [what, value] : bad_ids) {
      cases.push_back({absl::StrCat(field, " ", what),
                       [set = set, value = value](auto* r) { set(r, value); }});
    }
  }
  // Times near the int64 limits, whose sums overflow.
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  for (int64_t v :
       {kMax, kMax - 1, kMin, kMin + 1, int64_t{-1}, int64_t{86400001}}) {
    cases.push_back({absl::StrCat("start ", v),
                     [face, v](auto* r) { face(r)->set_sound_start_time(v); }});
    cases.push_back({absl::StrCat("end ", v),
                     [face, v](auto* r) { face(r)->set_sound_end_time(v); }});
    cases.push_back({absl::StrCat("insert ", v), [face, v](auto* r) {
                       face(r)->set_sound_insert_time(v);
                     }});
  }
  // Volumes.
  for (double v :
       {std::nan(""), std::numeric_limits<double>::infinity(),
        -std::numeric_limits<double>::infinity(), -0.5, 2.0000001, 1e308}) {
    cases.push_back({absl::StrCat("volume ", v),
                     [face, v](auto* r) { face(r)->set_sound_volume(v); }});
    cases.push_back({absl::StrCat("original volume ", v), [face, v](auto* r) {
                       face(r)->set_original_audio_volume(v);
                     }});
  }
  // Audio sources: invalid Base64, data: prefixes, odd URLs.
  for (const std::string& sound_file :
       {std::string("data:audio/wav;base64,UklGRg=="),
        std::string("DATA:audio/mp3,abc"), std::string("UklGRg"),
        std::string("Ukl-Rg=="), std::string("Ukl_Rg=="),
        std::string("UklG Rg=="), std::string("UklGRg==\n"),
        std::string("===="), std::string("ftp://example.com/a.mp3"),
        std::string("file:///etc/passwd"), std::string("javascript:alert(1)"),
        std::string("http://user:pass@example.com/a.mp3"),
        std::string("http:///a.mp3"), std::string("https://exa mple.com/a.mp3"),
        std::string("https://example.com:99999/a.mp3"),
        "https://x.com/" + std::string(3000, 'a'),
        std::string("gopher://example.com/")}) {
    cases.push_back({absl::StrCat("sound_file ", sound_file.substr(0, 40)),
                     [face, sound_file](auto* r) {
                       face(r)->clear_audio_id();
                       face(r)->set_sound_file(sound_file);
                     }});
  }
  for (const std::string& url :
       {std::string("ftp://example.com/cb"),
        std::string("http://u:p@example.com/cb"),
        std::string("//example.com/cb"),
        std::string("https://example.com/\x01"),
        std::string("mailto:a@example.com"), std::string("http://")}) {
    cases.push_back({absl::StrCat("callback_url ", url),
                     [url](auto* r) { r->set_callback_url(url); }});
  }
  // Structure: faces and audio sources.
  cases.push_back({"10,000 faces", [](auto* r) {
                     for (int i = 0; i < 9999; ++i)
                       *r->add_face_choose() = r->face_choose(0);
                   }});
  cases.push_back({"no faces", [](auto* r) { r->clear_face_choose(); }});
  cases.push_back({"all three sources", [face](auto* r) {
                     face(r)->set_sound_file("https://example.com/a.mp3");
                     face(r)->set_sound_file_bytes("RIFF");
                   }});
  cases.push_back(
      {"no source", [face](auto* r) { face(r)->clear_audio_id(); }});
  cases.push_back({"6 MB of raw audio", [face](auto* r) {
                     face(r)->clear_audio_id();
                     face(r)->set_sound_file_bytes(std::string(6'000'000, 'R'));
                   }});
  cases.push_back({"5 MiB + 1 as Base64", [face](auto* r) {
                     face(r)->clear_audio_id();
                     face(r)->set_sound_file(
                         Base64Encode(std::string(5 * 1024 * 1024 + 1, 'R')));
                   }});
  cases.push_back({"everything missing", [](auto* r) { r->Clear(); }});
  return cases;
}

TEST(HostileInputTest,
     EveryMalformedRequestIsRefusedAndTheGatewayKeepsServing) {
  GatewayHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  const std::vector<HostileCase> cases = HostileCases();
  ASSERT_GE(cases.size(), 100u);
  for (const HostileCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::CreateLipSyncTaskRequest request = SeedRequest();
    c.mutate(&request);
    v1::LipSyncTask task;
    auto context = ContextWithTimeout(absl::Seconds(10));
    grpc::Status status =
        harness.stub().CreateLipSyncTask(context.get(), request, &task);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << status.error_message();
    EXPECT_FALSE(ViolatedFields(status).empty());
    EXPECT_LT(status.error_message().size(), 8192u);
  }
  // A 10 MB message is over the gRPC limit: refused by gRPC itself.
  v1::CreateLipSyncTaskRequest huge = SeedRequest();
  huge.mutable_face_choose(0)->clear_audio_id();
  huge.mutable_face_choose(0)->set_sound_file_bytes(
      std::string(10'000'000, 'R'));
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(10));
  EXPECT_EQ(
      harness.stub().CreateLipSyncTask(context.get(), huge, &task).error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);

  EXPECT_TRUE(harness.SimRequests().empty());
  auto next = ContextWithTimeout(absl::Seconds(10));
  grpc::Status served =
      harness.stub().CreateLipSyncTask(next.get(), SeedRequest(), &task);
  EXPECT_TRUE(served.ok()) << served.error_message();
}

// CreateLipSyncTask parses its own bytes (the audio stays in gRPC's
// slices): bytes that are not a CreateLipSyncTaskRequest, sent raw through a
// generic stub, get INVALID_ARGUMENT naming the message, and nothing else
// breaks.
TEST(HostileInputTest, BytesThatAreNoCreateRequestAreInvalidArgument) {
  GatewayHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  grpc::GenericStub generic(harness.channel());
  const std::string seed = SeedRequest().SerializeAsString();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cut short", seed.substr(0, seed.size() - 3)},
      {"session_id not UTF-8", std::string("\x0a\x02\xff\xfe", 4)},
      {"face longer than the message", std::string("\x12\x7f\x0a\x01", 4)},
      {"field number 0", std::string("\x00\x01", 2)},
      {"endless varint", std::string(11, '\xff')},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    auto context = ContextWithTimeout(absl::Seconds(10));
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(
        context.get(), "/kling.lipsync.v1.LipSyncService/CreateLipSyncTask",
        grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
          status = std::move(s);
          done.Notify();
        });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("CreateLipSyncTaskRequest"),
              std::string::npos)
        << status.error_message();
  }
  EXPECT_TRUE(harness.SimRequests().empty());
  v1::LipSyncTask task;
  auto next = ContextWithTimeout(absl::Seconds(10));
  grpc::Status served =
      harness.stub().CreateLipSyncTask(next.get(), SeedRequest(), &task);
  EXPECT_TRUE(served.ok()) << served.error_message();
}

}  // namespace
}  // namespace lipsync::testing

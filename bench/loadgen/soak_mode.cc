// --mode=soak of lipsync-loadgen (bench/soak.sh): its flags, the run, and the
// JSON line. See soak_load.h for what the load does.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/loadgen/json_line.h"
#include "bench/loadgen/soak_load.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(double, rate, 100, "soak: calls started per second");
ABSL_FLAG(int, max_in_flight, 64,
          "soak: calls outstanding at most (beyond: skipped, counted)");
ABSL_FLAG(int, max_watches, 16, "soak: watch streams open at most");
ABSL_FLAG(absl::Duration, watch_timeout, absl::Seconds(30),
          "soak: deadline per watch stream");
ABSL_FLAG(std::string, key_prefix, "soak",
          "soak: prefix of the idempotency keys (make it unique per run)");
ABSL_FLAG(std::string, mix,
          "create:30,replay:5,get:25,list:10,identify:10,watch:5",
          "soak: relative weights of the call kinds (left out: 0)");
ABSL_FLAG(absl::Duration, report_every, absl::Seconds(30),
          "soak: progress line on stderr this often");

namespace lipsync::bench {

namespace v1 = ::kling::lipsync::v1;

namespace {

// "kind:weight,...": kinds left out get weight 0.
bool ParseMix(const std::string& mix, SoakOptions* o, std::string* error) {
  o->weight_create = o->weight_replay = o->weight_get = o->weight_list =
      o->weight_identify = o->weight_watch = 0;
  for (absl::string_view part : absl::StrSplit(mix, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, ':');
    int weight = 0;
    if (!absl::SimpleAtoi(kv.second, &weight) || weight < 0) {
      *error = absl::StrCat("--mix: bad weight in '", part, "'");
      return false;
    }
    const std::string& k = kv.first;
    if (k == "create")
      o->weight_create = weight;
    else if (k == "replay")
      o->weight_replay = weight;
    else if (k == "get")
      o->weight_get = weight;
    else if (k == "list")
      o->weight_list = weight;
    else if (k == "identify")
      o->weight_identify = weight;
    else if (k == "watch")
      o->weight_watch = weight;
    else {
      *error = absl::StrCat("--mix: unknown kind '", k, "'");
      return false;
    }
  }
  return true;
}

}  // namespace

int RunSoakMode(
    const std::vector<std::unique_ptr<v1::LipSyncService::Stub>>& stubs,
    absl::Duration duration, absl::Duration call_timeout,
    const std::string& label) {
  SoakOptions o;
  o.rate = absl::GetFlag(FLAGS_rate);
  o.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  o.max_watches = absl::GetFlag(FLAGS_max_watches);
  o.duration = duration;
  o.call_timeout = call_timeout;
  o.watch_timeout = absl::GetFlag(FLAGS_watch_timeout);
  o.key_prefix = absl::GetFlag(FLAGS_key_prefix);
  o.report_every = absl::GetFlag(FLAGS_report_every);
  std::string error;
  if (!ParseMix(absl::GetFlag(FLAGS_mix), &o, &error)) {
    std::fprintf(stderr, "lipsync-loadgen: %s\n", error.c_str());
    return 2;
  }
  if (o.rate <= 0 || o.max_in_flight < 1 || o.max_watches < 0) {
    std::fprintf(stderr,
                 "lipsync-loadgen: --rate > 0, --max_in_flight >= 1 and "
                 "--max_watches >= 0 please\n");
    return 2;
  }

  SoakResult r = RunSoakLoad(stubs, o);
  int64_t calls = 0, ok = 0, bad = 0;
  JsonLine line;
  line.Add("tool", "lipsync-loadgen").Add("mode", "soak").Add("label", label);
  for (const auto& [method, counts] : r.by_method) {
    calls += counts.total();
    ok += counts.ok();
    line.Add(absl::StrCat("codes.", method), counts.ByName());
  }
  for (const auto& [method, reasons] : r.reasons) {
    line.Add(absl::StrCat("reasons.", method), reasons);
  }
  for (const auto& [method, n] : r.bad_answers) bad += n;
  line.Add("bad_answers", r.bad_answers)
      .Add("calls", calls)
      .Add("ok", ok - bad)
      .Add("bad_answer_total", bad)
      .Add("keys_sent", r.keys_sent)
      .Add("replays", r.replays)
      .Add("skipped", r.skipped)
      .Add("rate", o.rate)
      .Add("duration_s", absl::ToDoubleSeconds(r.elapsed))
      .Add("first_bad_answer", r.first_bad_answer);
  std::printf("%s\n", line.str().c_str());
  std::fprintf(stderr,
               "soak: %lld calls, %lld OK, %lld bad answers, %lld keys, "
               "%lld replays, %lld skipped%s%s\n",
               static_cast<long long>(calls), static_cast<long long>(ok),
               static_cast<long long>(bad), static_cast<long long>(r.keys_sent),
               static_cast<long long>(r.replays),
               static_cast<long long>(r.skipped),
               r.first_bad_answer.empty() ? "" : "; first bad answer: ",
               r.first_bad_answer.c_str());
  // Error statuses are expected under injected faults: bench/soak.sh judges
  // them. Bad answers (an OK that is wrong) are never expected.
  return bad == 0 && calls > 0 ? 0 : 1;
}

int RunHealthMode(const std::string& target) {
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;  // "": the whole server
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  const std::string serving =
      status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                        response.status())
                  : "";
  std::printf("%s\n", JsonLine()
                          .Add("tool", "lipsync-loadgen")
                          .Add("mode", "health")
                          .Add("code", StatusCodeName(status.error_code()))
                          .Add("status", serving)
                          .str()
                          .c_str());
  return serving == "SERVING" ? 0 : 1;
}

}  // namespace lipsync::bench

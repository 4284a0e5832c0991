// lipsync-loadgen: closed-loop gRPC load for bench/run.sh. Prints one JSON
// line on stdout (a summary on stderr) and exits 1 when any call failed.
//
//   lipsync-loadgen --target=127.0.0.1:PORT --mode=create-small
//       --concurrency=64 --channels=4 --duration=10s
//   lipsync-loadgen --mode=write-body --audio_bytes=5000000 --out=body.json
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/loadgen/bench_requests.h"
#include "bench/loadgen/json_line.h"
#include "bench/loadgen/latency_stats.h"
#include "bench/loadgen/soak_load.h"
#include "bench/loadgen/unary_load.h"
#include "bench/loadgen/watch_load.h"

ABSL_FLAG(std::string, mode, "create-small",
          "create-small | create-audio | watch | soak | health | write-body");
ABSL_FLAG(std::string, target, "", "gateway host:port");
ABSL_FLAG(std::string, label, "", "echoed in the JSON line");
ABSL_FLAG(int, concurrency, 16, "calls in flight (create modes)");
ABSL_FLAG(int, channels, 4,
          "gRPC channels, each its own HTTP/2 connection; calls and streams "
          "are spread round-robin");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "create modes: stop starting calls after this long");
ABSL_FLAG(int64_t, max_calls, 0,
          "create modes: stop after this many calls too (0: duration only)");
ABSL_FLAG(bool, request_ids, false,
          "create modes: a unique request_id (idempotency key) per call");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(30), "deadline per call");
ABSL_FLAG(int64_t, audio_bytes, 5000000,
          "create-audio / write-body: size of the audio");
ABSL_FLAG(std::string, audio_kind, "wav",
          "wav (valid 16-bit PCM WAV, random samples) | random (raw bytes, "
          "refused by the audio preflight)");
ABSL_FLAG(uint64_t, seed, 1, "random seed of the audio bytes");
ABSL_FLAG(int, tasks, 100, "watch: tasks created first");
ABSL_FLAG(int, streams, 10000, "watch: concurrent streams over those tasks");
ABSL_FLAG(absl::Duration, stream_timeout, absl::Seconds(120),
          "watch: deadline per stream");
ABSL_FLAG(std::string, out, "", "write-body: file to write the JSON body to");

namespace {

namespace v1 = ::kling::lipsync::v1;
using lipsync::bench::JsonLine;
using Stubs = std::vector<std::unique_ptr<v1::LipSyncService::Stub>>;

constexpr int kMaxMessageBytes = 8 * 1024 * 1024;

int Fail(const std::string& message) {
  std::fprintf(stderr, "lipsync-loadgen: %s\n", message.c_str());
  return 2;
}

absl::StatusOr<std::string> Audio() {
  const std::string kind = absl::GetFlag(FLAGS_audio_kind);
  if (kind != "wav" && kind != "random") {
    return absl::InvalidArgumentError("--audio_kind must be wav or random");
  }
  const int64_t bytes = absl::GetFlag(FLAGS_audio_bytes);
  if (bytes <= 0)
    return absl::InvalidArgumentError("--audio_bytes must be > 0");
  return lipsync::bench::MakeAudio(
      kind == "wav" ? lipsync::bench::AudioKind::kWav
                    : lipsync::bench::AudioKind::kRandom,
      static_cast<std::size_t>(bytes), absl::GetFlag(FLAGS_seed));
}

// Separate connections: channels with different arguments never share a
// subchannel, and a local subchannel pool makes that explicit.
absl::StatusOr<Stubs> Connect(const std::string& target, int channels) {
  Stubs stubs;
  const auto deadline = absl::ToChronoTime(absl::Now() + absl::Seconds(10));
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("lipsync.loadgen.channel_id", i);
    auto channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("channel ", i, " to ", target, " did not connect"));
    }
    stubs.push_back(v1::LipSyncService::NewStub(channel));
  }
  return stubs;
}

int WriteBody() {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Fail("write-body needs --out");
  std::string audio;
  if (absl::GetFlag(FLAGS_audio_bytes) > 0) {
    absl::StatusOr<std::string> made = Audio();
    if (!made.ok()) return Fail(std::string(made.status().message()));
    audio = *std::move(made);
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  const std::string body = lipsync::bench::SeedCreateJson(audio);
  file.write(body.data(), static_cast<std::streamsize>(body.size()));
  if (!file) return Fail(absl::StrCat("cannot write ", out));
  std::printf("%s\n",
              JsonLine()
                  .Add("tool", "lipsync-loadgen")
                  .Add("mode", "write-body")
                  .Add("out", out)
                  .Add("body_bytes", static_cast<int64_t>(body.size()))
                  .Add("audio_bytes", static_cast<int64_t>(audio.size()))
                  .str()
                  .c_str());
  return 0;
}

int RunCreate(const Stubs& stubs, const std::string& mode) {
  v1::CreateLipSyncTaskRequest request;
  if (mode == "create-audio") {
    absl::StatusOr<std::string> audio = Audio();
    if (!audio.ok()) return Fail(std::string(audio.status().message()));
    request = lipsync::bench::AudioCreateRequest(*std::move(audio));
  } else {
    request = lipsync::bench::SeedCreateRequest();
  }
  lipsync::bench::UnaryLoadOptions options;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.max_calls = absl::GetFlag(FLAGS_max_calls);
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.unique_request_ids = absl::GetFlag(FLAGS_request_ids);
  if (options.concurrency < 1) return Fail("--concurrency must be >= 1");

  lipsync::bench::UnaryLoadResult r =
      lipsync::bench::RunUnaryLoad(stubs, request, options);
  const lipsync::bench::LatencySummary lat =
      lipsync::bench::Summarize(r.latencies_us);
  const int64_t calls = r.statuses.total();
  const int64_t failed = calls - r.statuses.ok() + r.bad_answers;
  const double seconds = absl::ToDoubleSeconds(r.elapsed);
  const double rps = seconds > 0 ? static_cast<double>(calls) / seconds : 0;
  const int64_t audio_bytes =
      static_cast<int64_t>(request.face_choose(0).sound_file_bytes().size());
  std::printf(
      "%s\n",
      JsonLine()
          .Add("tool", "lipsync-loadgen")
          .Add("mode", mode)
          .Add("label", absl::GetFlag(FLAGS_label))
          .Add("concurrency", options.concurrency)
          .Add("channels", static_cast<int>(stubs.size()))
          .Add("request_ids", options.unique_request_ids ? 1 : 0)
          .Add("calls", calls)
          .Add("ok", r.statuses.ok() - r.bad_answers)
          .Add("failed", failed)
          .Add("bad_answers", r.bad_answers)
          .Add("codes", r.statuses.ByName())
          .Add("duration_s", seconds)
          .Add("rps", rps)
          .Add("p50_ms", lat.p50_ms)
          .Add("p90_ms", lat.p90_ms)
          .Add("p99_ms", lat.p99_ms)
          .Add("max_ms", lat.max_ms)
          .Add("mean_ms", lat.mean_ms)
          .Add("audio_bytes", audio_bytes)
          .Add("request_bytes", static_cast<int64_t>(request.ByteSizeLong()))
          .Add("first_error", r.first_error)
          .str()
          .c_str());
  std::fprintf(
      stderr,
      "%s c=%d: %lld calls, %lld failed, %.0f calls/s, p50 %.3f ms, "
      "p99 %.3f ms%s%s\n",
      mode.c_str(), options.concurrency, static_cast<long long>(calls),
      static_cast<long long>(failed), rps, lat.p50_ms, lat.p99_ms,
      r.first_error.empty() ? "" : "; first error: ", r.first_error.c_str());
  return failed == 0 && calls > 0 ? 0 : 1;
}

// Creates the tasks to watch (blocking calls: setup, not measured).
absl::StatusOr<std::vector<std::string>> CreateTasks(const Stubs& stubs,
                                                     int count) {
  std::vector<std::string> ids;
  const v1::CreateLipSyncTaskRequest request =
      lipsync::bench::SeedCreateRequest();
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::LipSyncTask task;
    grpc::Status status =
        stubs[i % stubs.size()]->CreateLipSyncTask(&context, request, &task);
    if (!status.ok() || task.task_id().empty()) {
      return absl::UnavailableError(
          absl::StrCat("creating task ", i, ": ",
                       lipsync::bench::StatusCodeName(status.error_code()), " ",
                       status.error_message()));
    }
    ids.push_back(task.task_id());
  }
  return ids;
}

int RunWatch(const Stubs& stubs) {
  const int tasks = absl::GetFlag(FLAGS_tasks);
  lipsync::bench::WatchLoadOptions options;
  options.streams = absl::GetFlag(FLAGS_streams);
  options.stream_timeout = absl::GetFlag(FLAGS_stream_timeout);
  if (tasks < 1 || options.streams < 1) {
    return Fail("--tasks and --streams must be >= 1");
  }
  absl::StatusOr<std::vector<std::string>> ids = CreateTasks(stubs, tasks);
  if (!ids.ok()) return Fail(std::string(ids.status().message()));
  const int64_t window_start_ms = absl::ToUnixMillis(absl::Now());
  lipsync::bench::WatchLoadResult r =
      lipsync::bench::RunWatchLoad(stubs, *ids, options);
  const lipsync::bench::LatencySummary life =
      lipsync::bench::Summarize(r.lifetimes_us);
  const int64_t ok = r.statuses.ok();
  const int64_t failed = r.statuses.total() - ok;
  std::printf("%s\n", JsonLine()
                          .Add("tool", "lipsync-loadgen")
                          .Add("mode", "watch")
                          .Add("label", absl::GetFlag(FLAGS_label))
                          .Add("tasks", tasks)
                          .Add("streams", options.streams)
                          .Add("channels", static_cast<int>(stubs.size()))
                          .Add("ok", ok)
                          .Add("failed", failed)
                          .Add("codes", r.statuses.ByName())
                          .Add("messages", r.messages)
                          .Add("window_start_unix_ms", window_start_ms)
                          .Add("window_s", absl::ToDoubleSeconds(r.window))
                          .Add("open_s", absl::ToDoubleSeconds(r.open_time))
                          .Add("lifetime_p50_ms", life.p50_ms)
                          .Add("lifetime_p99_ms", life.p99_ms)
                          .Add("lifetime_max_ms", life.max_ms)
                          .Add("first_error", r.first_error)
                          .str()
                          .c_str());
  std::fprintf(
      stderr,
      "watch: %d streams over %d tasks: %lld ok, %lld failed, %lld "
      "messages, window %.1f s%s%s\n",
      options.streams, tasks, static_cast<long long>(ok),
      static_cast<long long>(failed), static_cast<long long>(r.messages),
      absl::ToDoubleSeconds(r.window),
      r.first_error.empty() ? "" : "; first error: ", r.first_error.c_str());
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex (gRPC's locks
  // included) maintains a global lock-order graph by default: measured 3-4x
  // the cost of a lock. The load generator shares the cores with the gateway
  // and should cost as little as it can.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "write-body") return WriteBody();
  if (mode != "create-small" && mode != "create-audio" && mode != "watch" &&
      mode != "soak" && mode != "health") {
    return Fail(
        "--mode must be create-small, create-audio, watch, soak, health or "
        "write-body");
  }
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return Fail("--target is required");
  if (mode == "health") return lipsync::bench::RunHealthMode(target);
  const int channels = absl::GetFlag(FLAGS_channels);
  if (channels < 1) return Fail("--channels must be >= 1");
  absl::StatusOr<Stubs> stubs = Connect(target, channels);
  if (!stubs.ok()) return Fail(std::string(stubs.status().message()));
  if (mode == "soak") {
    return lipsync::bench::RunSoakMode(*stubs, absl::GetFlag(FLAGS_duration),
                                       absl::GetFlag(FLAGS_call_timeout),
                                       absl::GetFlag(FLAGS_label));
  }
  return mode == "watch" ? RunWatch(*stubs) : RunCreate(*stubs, mode);
}

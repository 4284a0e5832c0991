// lipsync-floor-curl: the floor of the HTTP side of bench/run.sh S1 and S2. A
// bare libcurl multi client that keeps --concurrency POSTs in flight to the
// stand-in, with the gateway's curl options and headers, driven the efficient
// way (one thread, curl_multi_socket_action over epoll) and reusing its easy
// handles so that connections stay alive. Its CPU per call is what libcurl
// alone costs on this machine. Prints one JSON line on stdout (the shape of
// lipsync-loadgen's) and exits 1 when any call failed, 2 on bad flags.
//
//   lipsync-floor-curl --url=http://127.0.0.1:PORT/v1/videos/advanced-lip-sync
//       --body_file=small.json --concurrency=64 --duration=10s [--max_calls=N]
#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/floor/epoll_curl_multi.h"
#include "bench/loadgen/json_line.h"
#include "bench/loadgen/latency_stats.h"
#include "bench/machine/own_cpu.h"
#include "service/upstream/curl_handles.h"

ABSL_FLAG(std::string, url, "",
          "http://127.0.0.1:PORT/v1/videos/advanced-lip-sync (loopback only)");
ABSL_FLAG(std::string, body_file, "", "the JSON body of every POST");
ABSL_FLAG(std::string, api_key, "sim-key", "sent as Authorization: Bearer");
ABSL_FLAG(int, concurrency, 64, "POSTs in flight, 1..1024");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "stop starting POSTs after this long (at most 60 s)");
ABSL_FLAG(int64_t, max_calls, 0,
          "stop starting POSTs after this many too, in the measured run "
          "(0: --duration only; at most 10,000,000)");
ABSL_FLAG(absl::Duration, warm_up, absl::ZeroDuration(),
          "first run the same load this long, unmeasured (at most 60 s)");
ABSL_FLAG(int, stand_in_pid, 0,
          "report this process's CPU ticks over the measured run "
          "(stand_in_cpu_ticks; the stand-in's, so the warm-up is left out)");

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxConcurrency = 1024;
constexpr absl::Duration kMaxDuration = absl::Seconds(60);
constexpr int64_t kMaxCalls = 10'000'000;

// utime + stime of process `pid` in clock ticks (/proc/PID/stat), 0 when
// pid is 0 or unreadable.
int64_t ProcessCpuTicks(int pid) {
  if (pid <= 0) return 0;
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(file)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which may hold spaces: state is field 3.
  const std::size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  std::istringstream fields(stat.substr(end_of_name + 2));
  std::string field;
  int64_t utime = 0;
  int64_t stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stoll(field);
    if (n == 15) stime = std::stoll(field);
  }
  return utime + stime;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "lipsync-floor-curl: %s\n", message.c_str());
  return 2;
}

// `concurrency` easy handles POSTing in a loop on one EpollCurlMulti.
class FloorClient {
 public:
  FloorClient(std::string url, std::string body, const std::string& api_key,
              int concurrency)
      : post_(std::move(url), std::move(body), api_key) {
    slots_.resize(static_cast<std::size_t>(concurrency));
    for (Slot& slot : slots_) slot.easy.reset(curl_easy_init());
  }

  // Starts POSTs for `duration` and, when `max_calls` > 0, at most
  // `max_calls` of them; then lets the calls in flight finish.
  void Run(absl::Duration duration, int64_t max_calls) {
    start_ = Clock::now();
    stop_at_ = start_ + absl::ToChronoNanoseconds(duration);
    calls_left_ = max_calls > 0 ? max_calls : -1;
    int active = 0;  // slots not yet retired
    for (Slot& slot : slots_) {
      if (!MayStart(start_)) break;
      Start(slot);
      ++active;
    }
    curl_.ActOnDueTimer();  // starts them
    while (active > 0) {
      const Reaped reaped = Reap();
      active -= reaped.retired;
      // A POST can finish within the action that starts it (a kept-alive
      // connection, a fast upstream): it leaves no socket to wait for, only
      // a message for Reap. So epoll_wait only once Reap has started
      // nothing; otherwise start what it added and reap again.
      if (reaped.restarted > 0) {
        curl_.ActOnDueTimer();
      } else if (active > 0) {
        curl_.WaitAndAct();
      }
    }
    elapsed_ = Clock::now() - start_;
  }

  // Forgets the calls counted so far (after a warm-up).
  void ForgetCalls() {
    ok_ = 0;
    failed_ = 0;
    connects_ = 0;
    codes_.clear();
    first_error_.clear();
    latencies_us_.clear();
  }

  int64_t calls() const { return ok_ + failed_; }
  int64_t ok() const { return ok_; }
  int64_t failed() const { return failed_; }
  // New connections opened since the last ForgetCalls: about `concurrency`
  // in a first run, about none after it when they are kept alive.
  int64_t connects() const { return connects_; }
  const std::map<std::string, int64_t>& codes() const { return codes_; }
  const std::string& first_error() const { return first_error_; }
  double seconds() const {
    return std::chrono::duration<double>(elapsed_).count();
  }
  std::vector<uint32_t>& latencies_us() { return latencies_us_; }

 private:
  struct Slot {
    lipsync::upstream::CurlEasyPtr easy;
    Clock::time_point started;
    char error[CURL_ERROR_SIZE] = {};
  };

  bool MayStart(Clock::time_point now) const {
    return now < stop_at_ && calls_left_ != 0;
  }

  void Start(Slot& slot) {
    post_.Configure(slot.easy.get(), &slot, slot.error);
    slot.started = Clock::now();
    if (calls_left_ > 0) --calls_left_;
    curl_multi_add_handle(curl_.multi(), slot.easy.get());
  }

  struct Reaped {
    int restarted = 0;  // slots that started their next POST
    int retired = 0;    // slots done: past --duration or out of calls
  };
  // Counts the finished transfers and starts the next ones.
  Reaped Reap() {
    Reaped reaped;
    curl_.ForEachFinished(
        [&](const lipsync::bench::EpollCurlMulti::Finished& done) {
          Slot* slot = nullptr;
          curl_easy_getinfo(done.easy, CURLINFO_PRIVATE, &slot);
          connects_ += done.connects;
          const Clock::time_point now = Clock::now();
          latencies_us_.push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(
                  now - slot->started)
                  .count()));
          if (done.result == CURLE_OK && done.http_status == 200) {
            ++ok_;
            ++codes_["200"];
          } else {
            ++failed_;
            const std::string code = done.result == CURLE_OK
                                         ? absl::StrCat(done.http_status)
                                         : absl::StrCat("curl ", done.result);
            ++codes_[code];
            if (first_error_.empty()) {
              first_error_ = done.result == CURLE_OK
                                 ? absl::StrCat("HTTP ", done.http_status)
                                 : absl::StrCat(curl_easy_strerror(done.result),
                                                ": ", slot->error);
            }
          }
          if (MayStart(now)) {
            Start(*slot);
            ++reaped.restarted;
          } else {
            ++reaped.retired;
          }
        });
    return reaped;
  }

  const lipsync::bench::FloorPost post_;
  lipsync::bench::EpollCurlMulti curl_;
  std::vector<Slot> slots_;
  Clock::time_point start_;
  Clock::time_point stop_at_;
  int64_t calls_left_ = -1;  // POSTs still to start; -1: no bound
  Clock::duration elapsed_{};
  int64_t ok_ = 0;
  int64_t failed_ = 0;
  int64_t connects_ = 0;
  std::map<std::string, int64_t> codes_;
  std::string first_error_;
  std::vector<uint32_t> latencies_us_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string url = absl::GetFlag(FLAGS_url);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  if (concurrency < 1 || concurrency > kMaxConcurrency) {
    return Fail("--concurrency must be in [1, 1024]");
  }
  if (duration <= absl::ZeroDuration() || duration > kMaxDuration) {
    return Fail("--duration must be in (0, 60s]");
  }
  const absl::Duration warm_up = absl::GetFlag(FLAGS_warm_up);
  if (warm_up < absl::ZeroDuration() || warm_up > kMaxDuration) {
    return Fail("--warm_up must be in [0, 60s]");
  }
  const int64_t max_calls = absl::GetFlag(FLAGS_max_calls);
  if (max_calls < 0 || max_calls > kMaxCalls) {
    return Fail("--max_calls must be in [0, 10000000]");
  }
  std::ifstream file(absl::GetFlag(FLAGS_body_file), std::ios::binary);
  if (!file) return Fail("cannot read --body_file");
  std::stringstream body;
  body << file.rdbuf();

  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (!lipsync::bench::IsLoopbackHttpUrl(url)) {
    return Fail("--url must be http:// to 127.0.0.0/8, [::1] or localhost");
  }
  int64_t calls = 0;
  int64_t failed = 0;
  {
    FloorClient client(url, body.str(), absl::GetFlag(FLAGS_api_key),
                       concurrency);
    if (warm_up > absl::ZeroDuration()) {
      client.Run(warm_up, /*max_calls=*/0);
      std::fprintf(stderr, "curl-floor warm-up: %lld calls, %lld failed%s%s\n",
                   static_cast<long long>(client.calls()),
                   static_cast<long long>(client.failed()),
                   client.first_error().empty() ? "" : ", first: ",
                   client.first_error().c_str());
      client.ForgetCalls();
    }
    const int stand_in = absl::GetFlag(FLAGS_stand_in_pid);
    const int64_t stand_in_before = ProcessCpuTicks(stand_in);
    const double cpu_before = lipsync::bench::OwnCpuSeconds();
    client.Run(duration, max_calls);
    // Before the sort of the samples.
    const double cpu_s = lipsync::bench::OwnCpuSeconds() - cpu_before;
    const int64_t stand_in_ticks = ProcessCpuTicks(stand_in) - stand_in_before;
    calls = client.calls();
    failed = client.failed();
    const lipsync::bench::LatencySummary lat =
        lipsync::bench::Summarize(client.latencies_us());
    const double seconds = client.seconds();
    const double rps = seconds > 0 ? static_cast<double>(calls) / seconds : 0;
    std::printf("%s\n", lipsync::bench::JsonLine()
                            .Add("tool", "curl-floor")
                            .Add("concurrency", concurrency)
                            .Add("calls", calls)
                            .Add("ok", client.ok())
                            .Add("failed", failed)
                            .Add("connects", client.connects())
                            .Add("codes", client.codes())
                            .Add("duration_s", seconds)
                            .Add("rps", rps)
                            .Add("cpu_s", cpu_s)
                            .Add("stand_in_cpu_ticks", stand_in_ticks)
                            .Add("p50_ms", lat.p50_ms)
                            .Add("p90_ms", lat.p90_ms)
                            .Add("p99_ms", lat.p99_ms)
                            .Add("max_ms", lat.max_ms)
                            .Add("mean_ms", lat.mean_ms)
                            .Add("request_bytes",
                                 static_cast<int64_t>(body.str().size()))
                            .Add("first_error", client.first_error())
                            .str()
                            .c_str());
    std::fprintf(stderr,
                 "curl-floor c=%d: %lld calls, %lld failed, %.0f calls/s, "
                 "p50 %.3f ms, p99 %.3f ms\n",
                 concurrency, static_cast<long long>(calls),
                 static_cast<long long>(failed), rps, lat.p50_ms, lat.p99_ms);
  }
  curl_global_cleanup();
  return failed == 0 && calls > 0 ? 0 : 1;
}

// kling-sim: a local stand-in of the Kling AI lip-sync REST API, for tests
// and benchmarks of lipsync-gateway. Parses flags, wires the server, runs it.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sim/port_file.h"
#include "sim/server.h"
#include "sim/sim_options.h"

ABSL_FLAG(
    std::string, listen, "127.0.0.1:0",
    "host:port to listen on; port 0 picks a free port ([::1]:0 for IPv6)");
ABSL_FLAG(
    std::string, port_file, "",
    "if set, the bound port is written there (atomically) once listening");
ABSL_FLAG(std::string, api_key, "sim-key",
          "the API key accepted as 'Authorization: Bearer <api_key>'");
ABSL_FLAG(std::string, access_key, "",
          "with --secret_key: also accept Kling's legacy HS256 JWT "
          "(iss == access_key)");
ABSL_FLAG(std::string, secret_key, "", "HS256 secret of the legacy JWT");
ABSL_FLAG(int64_t, latency_ms, 0, "latency added to every /v1/ answer (ms)");
ABSL_FLAG(int64_t, processing_after_ms, 1000,
          "a task turns 'processing' this long after its creation (ms)");
ABSL_FLAG(int64_t, finish_after_ms, 3000,
          "a task turns 'succeed' (or 'failed') this long after its "
          "creation (ms)");
ABSL_FLAG(int32_t, threads, 256,
          "HTTP worker threads; each open connection holds one, so set it "
          "above the number of concurrent keep-alive connections");
ABSL_FLAG(int32_t, keep_alive_timeout_s, 30,
          "idle keep-alive connections are closed after this long (s)");
ABSL_FLAG(bool, strict_sessions, false,
          "refuse creates naming an unknown session_id or face_id (1201)");
ABSL_FLAG(bool, accept_duplicate_external_task_id, false,
          "make a second task for a create reusing an external_task_id "
          "(default: refuse it)");
ABSL_FLAG(int64_t, max_recorded_requests, 100000,
          "requests kept for GET /_sim/requests (oldest dropped first)");
ABSL_FLAG(int64_t, max_tasks, 1000000,
          "tasks (and sessions) kept in memory (oldest dropped first)");

namespace {

constexpr const char* kFlagNames[] = {
    "listen",
    "port_file",
    "api_key",
    "access_key",
    "secret_key",
    "latency_ms",
    "processing_after_ms",
    "finish_after_ms",
    "threads",
    "keep_alive_timeout_s",
    "strict_sessions",
    "accept_duplicate_external_task_id",
    "max_recorded_requests",
    "max_tasks",
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "kling-sim: %s\n", message.c_str());
  std::exit(2);
}

// KLING_SIM_<NAME> sets a flag's default; the command line still wins
// because it is parsed afterwards.
void ApplyEnvironment() {
  for (const char* name : kFlagNames) {
    const std::string variable =
        absl::StrCat("KLING_SIM_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!absl::FindCommandLineFlag(name)->ParseFrom(value, &error)) {
      Die(absl::StrCat(variable, "=", value, ": ", error));
    }
  }
}

void SplitListen(const std::string& listen, kling_sim::SimOptions& options) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) Die("--listen must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (host.empty() || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    Die(absl::StrCat("--listen must be host:port, got '", listen, "'"));
  }
  options.listen_host = host;
  options.listen_port = port;
}

kling_sim::SimOptions OptionsFromFlags() {
  kling_sim::SimOptions options;
  SplitListen(absl::GetFlag(FLAGS_listen), options);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.api_key = absl::GetFlag(FLAGS_api_key);
  options.access_key = absl::GetFlag(FLAGS_access_key);
  options.secret_key = absl::GetFlag(FLAGS_secret_key);
  options.latency_ms = absl::GetFlag(FLAGS_latency_ms);
  options.processing_after_ms = absl::GetFlag(FLAGS_processing_after_ms);
  options.finish_after_ms = absl::GetFlag(FLAGS_finish_after_ms);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.keep_alive_timeout_s = absl::GetFlag(FLAGS_keep_alive_timeout_s);
  options.strict_sessions = absl::GetFlag(FLAGS_strict_sessions);
  options.accept_duplicate_external_task_id =
      absl::GetFlag(FLAGS_accept_duplicate_external_task_id);
  options.max_recorded_requests =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_recorded_requests));
  options.max_tasks = static_cast<size_t>(absl::GetFlag(FLAGS_max_tasks));

  if (options.access_key.empty() != options.secret_key.empty()) {
    Die("--access_key and --secret_key go together");
  }
  if (options.api_key.empty() && options.access_key.empty()) {
    Die("--api_key is empty and no JWT keys are set: nothing would be "
        "accepted");
  }
  if (options.latency_ms < 0 || options.processing_after_ms < 0 ||
      options.finish_after_ms < options.processing_after_ms) {
    Die("need latency_ms >= 0 and 0 <= processing_after_ms <= "
        "finish_after_ms");
  }
  if (options.threads < 1 || options.keep_alive_timeout_s < 1 ||
      options.max_recorded_requests < 1 || options.max_tasks < 1) {
    Die("threads, keep_alive_timeout_s, max_recorded_requests and max_tasks "
        "must be >= 1");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);
  const kling_sim::SimOptions options = OptionsFromFlags();

  // A client that disconnects mid-answer must not kill the process.
  signal(SIGPIPE, SIG_IGN);
  // Block SIGINT/SIGTERM in every thread; one thread takes them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  kling_sim::SimServer server(options);
  absl::StatusOr<int> port = server.Bind();
  if (!port.ok()) Die(std::string(port.status().message()));

  std::thread signal_thread([&server, stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.Stop();
  });

  if (!options.port_file.empty()) {
    if (absl::Status written =
            kling_sim::WritePortFileAtomically(options.port_file, *port);
        !written.ok()) {
      Die(std::string(written.message()));
    }
  }
  const bool ipv6 = options.listen_host.find(':') != std::string::npos;
  std::printf("kling-sim listening on %s%s%s:%d\n", ipv6 ? "[" : "",
              options.listen_host.c_str(), ipv6 ? "]" : "", *port);
  std::fflush(stdout);

  const bool served = server.Run();
  // Wake the signal thread if serving ended on its own (it is still blocked
  // in sigwait), and wait for it: it may still be inside server.Stop(), and
  // `server` must outlive that call.
  kill(getpid(), SIGTERM);
  signal_thread.join();
  return served ? 0 : 1;
}

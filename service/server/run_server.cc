#include "service/server/run_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "service/common/json_log.h"
#include "service/common/limits.h"
#include "service/resilience/timer_queue.h"
#include "service/server/lipsync_service.h"
#include "service/server/upstream_factory.h"
#include "service/upstream/curl_engine.h"

namespace lipsync::server {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Written to a temporary name and renamed, so a reader never sees half a file.
absl::Status WritePortFile(const std::string& path, int port) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename to ", path));
  }
  return absl::OkStatus();
}

std::chrono::system_clock::time_point ToChrono(absl::Time t) {
  return absl::ToChronoTime(t);
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status RunServer(const GatewayOptions& options) {
  // Reflection serves only the descriptors linked into the binary: reference
  // the detail and health types so grpcurl can decode and describe them.
  google::rpc::BadRequest::descriptor();
  google::rpc::ErrorInfo::descriptor();
  grpc::health::v1::HealthCheckRequest::descriptor();

  resilience::TimerQueue timers;
  auto engine = std::make_shared<upstream::CurlEngine>(options.curl);
  UpstreamStack stack = MakeUpstreamClient(options, engine, &timers);
  std::shared_ptr<upstream::UpstreamClient> upstream = stack.client;
  auto random = std::make_shared<absl::BitGen>();
  auto random_mu = std::make_shared<absl::Mutex>();
  auto watch_hub = std::make_shared<workflow::TaskWatchHub>(
      upstream, &timers, options.watch, [random, random_mu] {
        absl::MutexLock lock(random_mu.get());
        return absl::Uniform(*random, 0.0, 1.0);
      });
  ServiceDependencies deps;
  deps.upstream = upstream;
  deps.watch_hub = watch_hub;
  deps.sessions = std::make_shared<workflow::SessionCache>(options.sessions);
  deps.scheduler = &timers;
  LipSyncService service(options.service, deps);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxGrpcReceiveBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!options.port_file.empty()) {
    absl::Status written = WritePortFile(options.port_file, port);
    if (!written.ok()) return written;
  }
  LogJson(LogLevel::kInfo, "serving",
          {{"listen", options.listen},
           {"port", absl::StrCat(port)},
           {"upstream", options.upstream_base_url}});

  sigset_t signals = TerminationSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);

  // Drain: stop attracting traffic first, keep serving while load balancers
  // notice, then refuse new calls and let in-flight ones finish.
  LogJson(LogLevel::kInfo, "draining",
          {{"signal", absl::StrCat(signal_number)},
           {"in_flight_calls",
            absl::StrCat(service.admission().in_flight_calls())}});
  server->GetHealthCheckService()->SetServingStatus(false);
  absl::SleepFor(options.drain_delay);
  LogJson(LogLevel::kDebug, "refusing new calls", {});
  server->Shutdown(ToChrono(absl::Now() + options.shutdown_grace));
  server->Wait();
  watch_hub->Shutdown();
  LogJson(LogLevel::kDebug, "grpc server stopped", {});
  LogJson(LogLevel::kInfo, "stopped", {});
  return absl::OkStatus();
}

}  // namespace lipsync::server

#include "service/server/run_server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

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
#include "service/common/allocator_info.h"
#include "service/common/json_log.h"
#include "service/common/limits.h"
#include "service/observability/gateway_metrics.h"
#include "service/observability/metrics_exposer.h"
#include "service/observability/shared_state_metrics.h"
#include "service/resilience/timer_queue.h"
#include "service/security/auth_interceptor.h"
#include "service/server/lipsync_service.h"
#include "service/server/upstream_factory.h"
#include "service/sharedstate/redis_client.h"
#include "service/sharedstate/redis_subscriber.h"
#include "service/upstream/curl_engine.h"
#include "service/workflow/shared_idempotency.h"
#include "service/workflow/shared_task_watches.h"

namespace lipsync::server {
namespace {

// SIGTERM/SIGINT drain and stop; SIGHUP reloads the caller tokens.
sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
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

// Names this process among the replicas (the owner of its idempotency and
// watch leases): host, pid and a random part, so a restarted pod (which may
// reuse both) is a new owner.
std::string ReplicaName(absl::BitGen& random, absl::Mutex& random_mu) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::MutexLock lock(&random_mu);
  return absl::StrCat(host, ":", getpid(), ":",
                      absl::Hex(absl::Uniform<uint64_t>(random)));
}

std::shared_ptr<observability::GatewayMetrics> MakeMetrics() {
  observability::GatewayMetricsOptions metrics_options;
  metrics_options.version = LIPSYNC_VERSION;
  metrics_options.grpc_methods = observability::GrpcMethodsOf(
      *kling::lipsync::v1::CreateLipSyncTaskRequest::descriptor()
           ->file()
           ->FindServiceByName("LipSyncService"));
  metrics_options.upstream_operations = {"IdentifyFace", "CreateLipSyncTask",
                                         "GetLipSyncTask", "ListLipSyncTasks"};
  return std::make_shared<observability::GatewayMetrics>(metrics_options);
}

// Waits for SIGTERM/SIGINT (returned); SIGHUPs on the way reload the caller
// tokens (a bad file keeps the old set in force).
int WaitForTermination(security::TokenAuthenticator* authenticator) {
  sigset_t signals = HandledSignals();
  while (true) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) return signal_number;
    if (authenticator == nullptr) {
      LogJson(LogLevel::kInfo, "SIGHUP: nothing to reload", {});
      continue;
    }
    absl::Status reloaded = authenticator->Reload();
    if (reloaded.ok()) {
      LogJson(LogLevel::kInfo, "caller tokens reloaded",
              {{"tokens", absl::StrCat(authenticator->token_count())}});
    } else {
      LogJson(LogLevel::kError, "caller tokens not reloaded; old set kept",
              {{"error", std::string(reloaded.message())}});
    }
  }
}

// A plaintext listener with only the health service (the default one every
// gRPC server has), for probes that cannot speak TLS.
std::unique_ptr<grpc::Server> StartHealthServer(const std::string& listen,
                                                int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) return nullptr;
  return server;
}

// Refuses new calls, waits until none of the service's calls is in flight
// (or `grace_over`), then stops the server.
//
// Server::Shutdown(deadline) alone also waits for every connection to close,
// and an idle one closes only once its client answers the PING sent with the
// GOAWAY: an idle gRPC client reads its socket only now and then (C++: a 5 s
// backup poll), one that never reads holds it 20 s (gRPC's graceful-GOAWAY
// timer). So the core shutdown starts first (GOAWAY, listeners closed, no
// call admitted once it returns), and when the service's calls are over,
// Shutdown(now) closes the connections left and cancels what still runs:
// calls past the grace, health watches and reflection streams, and a call
// admitted in the instant the shutdown began whose handler had not started
// when the count was read (its caller sees it fail, as at the grace).
void DrainAndStop(grpc::Server& server, const CallsInFlight& calls,
                  absl::Time grace_over) {
  // Core API: its events are plain tags, where grpc::CompletionQueue would
  // take them for its own tag objects.
  grpc_completion_queue* shutdown_done =
      grpc_completion_queue_create_for_next(nullptr);
  grpc_server_shutdown_and_notify(server.c_server(), shutdown_done, nullptr);
  const bool drained = calls.AwaitNone(grace_over);
  LogJson(LogLevel::kDebug,
          drained ? "no call in flight" : "shutdown grace over",
          {{"calls_in_flight", absl::StrCat(calls.count())}});
  server.Shutdown(ToChrono(absl::Now()));
  server.Wait();
  // The notification of the shutdown started above, posted once it is
  // complete; taking it releases the server reference it holds.
  grpc_completion_queue_shutdown(shutdown_done);
  while (grpc_completion_queue_next(shutdown_done,
                                    gpr_inf_future(GPR_CLOCK_REALTIME), nullptr)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(shutdown_done);
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

absl::Status RunServer(const GatewayOptions& options) {
  // Reflection serves only the descriptors linked into the binary: reference
  // the detail and health types so grpcurl can decode and describe them.
  google::rpc::BadRequest::descriptor();
  google::rpc::ErrorInfo::descriptor();
  grpc::health::v1::HealthCheckRequest::descriptor();

  std::shared_ptr<observability::GatewayMetrics> metrics;
  std::unique_ptr<observability::MetricsExposer> exposer;
  if (!options.metrics_listen.empty()) {
    metrics = MakeMetrics();
    auto started = observability::MetricsExposer::Start(options.metrics_listen,
                                                        metrics->registry());
    if (!started.ok()) {
      return absl::UnavailableError(
          absl::StrCat("--metrics_listen: ", started.status().message()));
    }
    exposer = *std::move(started);
    if (!options.metrics_port_file.empty()) {
      absl::Status written =
          WritePortFile(options.metrics_port_file, exposer->port());
      if (!written.ok()) return written;
    }
  }

  resilience::TimerQueue timers;
  auto engine = std::make_shared<upstream::CurlEngine>(options.curl);
  auto random = std::make_shared<absl::BitGen>();
  auto random_mu = std::make_shared<absl::Mutex>();
  ServiceDependencies deps;
  deps.sessions = std::make_shared<workflow::SessionCache>(options.sessions);
  // Declared before the service: its thread may complete a create's session
  // lookup until the calls are drained, and it stops before the engine.
  std::unique_ptr<observability::SharedStateMetrics> shared_state_metrics;
  std::unique_ptr<sharedstate::RedisClient> redis;
  std::shared_ptr<workflow::SharedTaskWatches> shared_watches;
  // Declared after shared_watches: its messages go there until it stops.
  std::unique_ptr<sharedstate::RedisSubscriber> subscriber;
  std::string shared_state = "off";
  std::shared_ptr<workflow::SharedIdempotency> shared_idempotency;
  if (!options.shared_state.redis_url.empty()) {
    absl::StatusOr<sharedstate::RedisEndpoint> endpoint =
        sharedstate::ParseRedisUrl(options.shared_state.redis_url);
    if (!endpoint.ok()) return endpoint.status();
    shared_state = endpoint->ToString();
    if (metrics != nullptr) {
      shared_state_metrics =
          std::make_unique<observability::SharedStateMetrics>(
              *metrics->registry());
    }
    sharedstate::RedisClientOptions redis_options;
    redis_options.endpoint = *std::move(endpoint);
    redis_options.password = options.shared_state.password;
    redis_options.op_timeout = options.shared_state.op_timeout;
    redis = std::make_unique<sharedstate::RedisClient>(
        redis_options, shared_state_metrics.get());
    workflow::SharedSessionsOptions shared_options;
    shared_options.key_prefix = options.shared_state.key_prefix;
    shared_options.ttl = options.sessions.ttl;
    deps.shared_sessions = std::make_shared<workflow::SharedSessions>(
        redis.get(), deps.sessions, std::move(shared_options));
    // One name for this process in every lease it holds (idempotency,
    // watches).
    const std::string replica = ReplicaName(*random, *random_mu);
    workflow::SharedIdempotencyOptions idempotency_options;
    idempotency_options.key_prefix = options.shared_state.key_prefix;
    idempotency_options.ttl = options.idempotency.ttl;
    shared_idempotency = std::make_shared<workflow::SharedIdempotency>(
        redis.get(), &timers, std::move(idempotency_options), replica);
    workflow::SharedWatchOptions watch_options;
    watch_options.key_prefix = options.shared_state.key_prefix;
    watch_options.owner_id = replica;
    if (shared_state_metrics != nullptr) {
      watch_options.on_local_fallback = [metrics = shared_state_metrics.get()] {
        metrics->OnWatchFallback();
      };
    }
    shared_watches = std::make_shared<workflow::SharedTaskWatches>(
        redis.get(), std::move(watch_options));
    subscriber = std::make_unique<sharedstate::RedisSubscriber>(
        std::move(redis_options),
        [watches = shared_watches.get()](const std::string& channel,
                                         const std::string& message) {
          watches->OnMessage(channel, message);
        });
    shared_watches->SetSubscribeFunction(
        [subscriber = subscriber.get()](bool subscribe, std::string channel) {
          if (subscribe) {
            subscriber->Subscribe(std::move(channel));
          } else {
            subscriber->Unsubscribe(std::move(channel));
          }
        });
  }
  // After the Redis client: the idempotency layer completes its claims on
  // that client's thread, and stops first.
  UpstreamStack stack = MakeUpstreamClient(options, engine, &timers, metrics,
                                           std::move(shared_idempotency));
  std::shared_ptr<upstream::UpstreamClient> upstream = stack.client;
  auto watch_hub = std::make_shared<workflow::TaskWatchHub>(
      upstream, &timers, options.watch,
      [random, random_mu] {
        absl::MutexLock lock(random_mu.get());
        return absl::Uniform(*random, 0.0, 1.0);
      },
      shared_watches);
  deps.upstream = upstream;
  deps.watch_hub = watch_hub;
  deps.scheduler = &timers;
  deps.metrics = metrics;
  // The interceptor registered below is what authenticates: the service
  // only reads the identity it hands over.
  deps.callers_authenticated = options.authenticator != nullptr;
  LipSyncService service(options.service, deps);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen,
                           options.server_credentials != nullptr
                               ? options.server_credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxGrpcReceiveBytes);
  builder.RegisterService(&service);
  if (options.authenticator != nullptr) {
    // Checks each call's token, for every method but health and reflection:
    // rejects it on the wire, or hands the caller identity to the handler.
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(std::make_unique<security::AuthInterceptorFactory>(
        options.authenticator));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  int health_port = 0;
  std::unique_ptr<grpc::Server> health_server;
  if (!options.health_listen.empty()) {
    health_server = StartHealthServer(options.health_listen, &health_port);
    if (health_server == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "--health_listen: cannot listen on ", options.health_listen));
    }
    health_server->GetHealthCheckService()->SetServingStatus(true);
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  if (!options.port_file.empty()) {
    absl::Status written = WritePortFile(options.port_file, port);
    if (!written.ok()) return written;
  }
  LogFields serving = {
      {"listen", options.listen},
      {"port", absl::StrCat(port)},
      {"transport", options.transport},
      {"caller_auth",
       options.authenticator != nullptr ? "bearer-tokens" : "off"},
      {"upstream", options.upstream_base_url},
      {"shared_state", shared_state},
      {"allocator", ActiveAllocator()}};
  if (exposer != nullptr) {
    serving.emplace_back("metrics_port", absl::StrCat(exposer->port()));
  }
  if (health_server != nullptr) {
    serving.emplace_back("health_port", absl::StrCat(health_port));
  }
  LogJson(LogLevel::kInfo, "serving", serving);

  const int signal_number = WaitForTermination(options.authenticator.get());

  // Drain: stop attracting traffic first, keep serving while load balancers
  // notice, then refuse new calls and let in-flight ones finish.
  LogJson(LogLevel::kInfo, "draining",
          {{"signal", absl::StrCat(signal_number)},
           {"in_flight_calls",
            absl::StrCat(service.admission().in_flight_calls())}});
  server->GetHealthCheckService()->SetServingStatus(false);
  if (health_server != nullptr) {
    health_server->GetHealthCheckService()->SetServingStatus(false);
  }
  absl::SleepFor(options.drain_delay);
  LogJson(LogLevel::kDebug, "refusing new calls", {});
  DrainAndStop(*server, service.calls_in_flight(),
               absl::Now() + options.shutdown_grace);
  if (health_server != nullptr) {
    health_server->Shutdown(ToChrono(absl::Now()));
    health_server->Wait();
  }
  watch_hub->Shutdown();
  // While this frame still holds the engine: the I/O threads may still be
  // unwinding the last calls' callbacks after the server's Wait, and one of
  // them could otherwise drop the last reference to the client chain and
  // so destroy the engine on the thread it joins (std::terminate at exit:
  // "Resource deadlock avoided").
  engine->Stop();
  subscriber.reset();
  redis.reset();
  LogJson(LogLevel::kDebug, "grpc server stopped", {});
  LogJson(LogLevel::kInfo, "stopped", {});
  return absl::OkStatus();
}

}  // namespace lipsync::server

#include "sim/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sim/connection_watch.h"
#include "sim/fault_responder.h"

namespace kling_sim {

// cpp-httplib 0.11 (Debian's shared library) listens with a backlog of 5:
// a burst of a thousand connects would overflow it and cost clients 1 s SYN
// retransmits. listen(2) on a listening socket just resizes its backlog.
class HttpServer : public httplib::Server {
 public:
  void DeepenBacklog(int backlog) { ::listen(svr_sock_, backlog); }
};

namespace {

constexpr int kListenBacklog = 4096;
constexpr size_t kMaxPayloadBytes = 64 * 1024 * 1024;

std::optional<JwtVerifier> MakeJwtVerifier(const SimOptions& options) {
  if (options.access_key.empty() || options.secret_key.empty()) {
    return std::nullopt;
  }
  return JwtVerifier(options.access_key, options.secret_key);
}

std::multimap<std::string, std::string> ParamsOf(const httplib::Request& req) {
  return {req.params.begin(), req.params.end()};
}

RecordedRequest Record(const httplib::Request& req) {
  RecordedRequest record;
  record.method = req.method;
  record.path = req.path;
  if (const size_t query = req.target.find('?'); query != std::string::npos) {
    record.query = req.target.substr(query + 1);
  }
  for (const auto& [name, value] : req.headers) {
    // cpp-httplib adds these itself; they are not what the client sent.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" ||
        name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
      continue;
    }
    std::string& slot = record.headers[absl::AsciiStrToLower(name)];
    slot = slot.empty() ? value : absl::StrCat(slot, ", ", value);
  }
  record.body_size = req.body.size();
  if (req.body.size() <= kMaxRecordedBodyBytes) record.body = req.body;
  return record;
}

void WriteControlAnswer(const ControlAnswer& answer, httplib::Response& res) {
  res.status = answer.http_status;
  res.set_content(DumpJson(answer.body), "application/json");
}

}  // namespace

SimServer::SimServer(SimOptions options)
    : options_(std::move(options)),
      ids_(IdGenerator::MakeRandomSeed()),
      sessions_(options_.max_tasks),
      tasks_(options_.max_tasks, options_.accept_duplicate_external_task_id),
      log_(options_.max_recorded_requests),
      authenticator_(options_.api_key, MakeJwtVerifier(options_),
                     SystemClock()),
      callbacks_(
          &tasks_,
          TaskTimeline{options_.processing_after_ms, options_.finish_after_ms},
          SystemClock()),
      api_(options_, &sessions_, &tasks_, &ids_, &authenticator_, &callbacks_,
           SystemClock()),
      control_(&log_, &faults_, &tasks_, &sessions_, &callbacks_),
      http_(std::make_unique<HttpServer>()) {
  const size_t threads = static_cast<size_t>(options_.threads);
  http_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  // Keep-alive connections are never closed for having served "too many"
  // requests: a benchmark should measure the gateway, not reconnects.
  http_->set_keep_alive_max_count(1000000000);
  http_->set_keep_alive_timeout(options_.keep_alive_timeout_s);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);
  http_->set_payload_max_length(kMaxPayloadBytes);
  http_->set_tcp_nodelay(true);

  auto api = [this](const httplib::Request& req, httplib::Response& res) {
    HandleApi(req, res);
  };
  auto control = [this](const httplib::Request& req, httplib::Response& res) {
    HandleControl(req, res);
  };
  auto not_found = [](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    res.set_content(DumpJson(OrderedJson{
                        {"code", kling_code::kInvalidMethod},
                        {"message", absl::StrCat("no such path: ", req.path)}}),
                    "application/json");
  };
  // Patterns are matched in registration order.
  for (const char* pattern : {"/_sim/.*", "/_sim"}) {
    http_->Get(pattern, control);
    http_->Post(pattern, control);
    http_->Delete(pattern, control);
  }
  http_->Get("/v1/.*", api);
  http_->Post("/v1/.*", api);
  http_->Delete("/v1/.*", api);
  http_->Put("/v1/.*", api);
  http_->Patch("/v1/.*", api);
  http_->Get(".*", not_found);
  http_->Post(".*", not_found);
  http_->Delete(".*", not_found);
  http_->Put(".*", not_found);
  http_->Patch(".*", not_found);
}

SimServer::~SimServer() { Stop(); }

absl::StatusOr<int> SimServer::Bind() {
  int port = options_.listen_port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.listen_host);
    if (port < 0) port = 0;
  } else if (!http_->bind_to_port(options_.listen_host, port)) {
    port = 0;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen_host, ":", options_.listen_port));
  }
  http_->DeepenBacklog(kListenBacklog);
  return port;
}

bool SimServer::Run() {
  {
    absl::MutexLock lock(&run_mu_);
    if (stop_requested_) return true;
    running_ = true;
  }
  const bool served = http_->listen_after_bind();
  absl::MutexLock lock(&run_mu_);
  running_ = false;
  return served;
}

void SimServer::Stop() {
  bool running = false;
  {
    absl::MutexLock lock(&run_mu_);
    if (stop_requested_) return;
    stop_requested_ = true;
    running = running_;
  }
  stopping_.Notify();    // ends hangs, drips and huge answers
  if (!running) return;  // Run() will see the flag, or has returned
  // httplib's stop() does nothing until the accept loop has started, and a
  // SIGTERM can arrive right after the port file is written, just before it:
  // retry until the loop runs or Run() has returned.
  while (true) {
    if (http_->is_running()) {
      http_->stop();
      return;
    }
    {
      absl::MutexLock lock(&run_mu_);
      if (!running_) return;
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
}

void SimServer::SleepLatency() {
  if (options_.latency_ms > 0) {
    stopping_.WaitForNotificationWithTimeout(
        absl::Milliseconds(options_.latency_ms));
  }
}

void SimServer::Hang(const httplib::Request& req, const Fault& fault) {
  const int fd = FindConnectionFd(req.local_port, req.remote_port);
  const absl::Time start = absl::Now();
  const bool peer_closed =
      WaitForPeerClose(fd, absl::Milliseconds(fault.hang_max_ms), stopping_);
  std::fprintf(stderr, "kling-sim: hang on %s %s ended after %s: %s\n",
               req.method.c_str(), req.path.c_str(),
               absl::FormatDuration(absl::Now() - start).c_str(),
               peer_closed ? "the client disconnected"
               : fd < 0    ? "bound reached (connection not found)"
                           : "bound reached or shutting down");
}

void SimServer::HandleApi(const httplib::Request& req, httplib::Response& res) {
  const std::string request_id = ids_.NextRequestId();
  const uint64_t handle =
      log_.Append(Record(req), KlingApi::RouteOf(req.method, req.path));
  const std::optional<Fault> fault = faults_.Take(req.method, req.path);

  if (fault.has_value() && AppliesBeforeEffect(fault->kind)) {
    if (fault->kind == FaultKind::kHang) {
      Hang(req, *fault);
      // Only a client that outlasted the bound (or a shutdown) sees this.
      WriteAnswer(ErrorAnswer(request_id, 504, kling_code::kInternalTimeout,
                              "simulated hang ended"),
                  res);
      return;
    }
    SleepLatency();
    WriteAnswer(BeforeEffectAnswer(*fault, request_id), res);
    return;
  }

  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  request.params = ParamsOf(req);
  if (req.has_header("Authorization")) {
    request.authorization = req.get_header_value("Authorization");
  }
  request.body = req.body;
  request.request_id = request_id;
  ApiResult result = api_.Handle(request);
  if (result.sound_file.has_value()) log_.Annotate(handle, *result.sound_file);

  SleepLatency();
  if (fault.has_value()) {
    WriteSpoiledAnswer(*fault, result.answer, &stopping_, res);
  } else {
    WriteAnswer(result.answer, res);
  }
}

void SimServer::HandleControl(const httplib::Request& req,
                              httplib::Response& res) {
  WriteControlAnswer(
      control_.Handle(req.method, req.path, ParamsOf(req), req.body), res);
}

}  // namespace kling_sim

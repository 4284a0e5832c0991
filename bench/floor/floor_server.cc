// lipsync-floor-server: the floor of the gRPC side of bench/run.sh S1 and S2
// (small creates, and creates that carry 5 MB of audio). A bare
// gRPC callback-API server of kling.lipsync.v1.LipSyncService whose
// CreateLipSyncTask answers at once with a fixed, gateway-sized LipSyncTask:
// no validation, no upstream, no health, reflection, logging or metrics. Its
// CPU per call is what gRPC 1.51 alone costs on this machine (it accepts the
// gateway's largest message and links the gateway's malloc).
// With --hand_off the handler instead queues the call to one other thread,
// which finishes it: the shape of the gateway (a gRPC thread hands the call
// to an I/O thread, whose completion finishes it), without libcurl, so the
// difference is the cost of that hand-off (p50 0.100 against 0.093 ms).
// With --forward_url (S1's "thinnest proxy" row) that other thread is a
// libcurl 7.88 multi loop that first POSTs --forward_body_file to the
// stand-in and finishes the call when HTTP 200 comes back
// (bench/floor/forwarder.h): the thinnest gateway we could build on the two
// libraries, without validation, translation, answer parsing, retries,
// metrics or logs.
//
//   lipsync-floor-server --listen=127.0.0.1:0 --port_file=PATH
//       [--hand_off | --forward_url=URL --forward_body_file=PATH]
//
// Plaintext, loopback only. SIGTERM/SIGINT shut it down (exit 0).
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/floor/epoll_curl_multi.h"
#include "bench/floor/forwarder.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "service/common/limits.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to serve on (loopback only; port 0 picks one)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port to this file once serving");
ABSL_FLAG(bool, hand_off, false,
          "finish each call on another thread (the gateway's thread hop)");
ABSL_FLAG(std::string, forward_url, "",
          "POST each call's --forward_body_file here first (loopback http)");
ABSL_FLAG(std::string, forward_body_file, "", "the JSON body of every POST");
ABSL_FLAG(std::string, api_key, "sim-key", "sent as Authorization: Bearer");

namespace {

namespace v1 = ::kling::lipsync::v1;

// The answer the gateway gives to a small create (ids as the stand-in makes
// them), built once: each call pays only for copying and serializing it.
v1::LipSyncTask FixedTask() {
  v1::LipSyncTask task;
  task.set_task_id("825466239807643736");
  task.set_task_status(v1::TASK_STATUS_SUBMITTED);
  task.set_created_at(1764081600000);
  task.set_updated_at(1764081600000);
  task.set_request_id("b7f3c3a4-1c6e-4d8e-9a53-2f0d6c1e8a47");
  return task;
}

// One thread that finishes the calls handed to it, woken only when it
// sleeps (like the gateway's I/O loop).
class Finisher {
 public:
  Finisher() : thread_([this] { Run(); }) {}
  ~Finisher() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }
  void HandOff(grpc::ServerUnaryReactor* reactor) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(reactor);
  }

 private:
  void Run() {
    while (true) {
      std::deque<grpc::ServerUnaryReactor*> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Finisher* f) { return f->stopping_ || !f->queue_.empty(); },
            this));
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      for (grpc::ServerUnaryReactor* reactor : batch) {
        reactor->Finish(grpc::Status::OK);
      }
    }
  }

  absl::Mutex mu_;
  std::deque<grpc::ServerUnaryReactor*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Where a call goes once its answer is set: finished at once (empty), or
// handed to the thread that finishes it (--hand_off, --forward_url).
using CallSink = std::function<void(grpc::ServerUnaryReactor*)>;

class FloorService final : public v1::LipSyncService::CallbackService {
 public:
  explicit FloorService(CallSink sink) : sink_(std::move(sink)) {}

  grpc::ServerUnaryReactor* CreateLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::CreateLipSyncTaskRequest* request,
      v1::LipSyncTask* response) override {
    *response = task_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (sink_) {
      sink_(reactor);
    } else {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

 private:
  const v1::LipSyncTask task_ = FixedTask();
  const CallSink sink_;
};

bool IsLoopback(const std::string& listen) {
  return absl::StartsWith(listen, "127.") ||
         absl::StartsWith(listen, "[::1]:") ||
         absl::StartsWith(listen, "localhost:");
}

// Written to a temporary name and renamed, so a reader never sees half a file
// (the format of the gateway's --port_file: the port and a newline).
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "lipsync-floor-server: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (!IsLoopback(listen)) return Fail("--listen must be a loopback address");

  // Blocked before gRPC starts its threads, so that only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string forward_url = absl::GetFlag(FLAGS_forward_url);
  std::unique_ptr<lipsync::bench::FloorPost> post;
  if (!forward_url.empty()) {
    if (absl::GetFlag(FLAGS_hand_off)) {
      return Fail("--hand_off and --forward_url exclude each other");
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!lipsync::bench::IsLoopbackHttpUrl(forward_url)) {
      return Fail(
          "--forward_url must be http:// to 127.0.0.0/8, [::1] or "
          "localhost");
    }
    std::ifstream file(absl::GetFlag(FLAGS_forward_body_file),
                       std::ios::binary);
    if (!file) return Fail("cannot read --forward_body_file");
    std::stringstream body;
    body << file.rdbuf();
    post = std::make_unique<lipsync::bench::FloorPost>(
        forward_url, body.str(), absl::GetFlag(FLAGS_api_key));
  }
  // Declared before the server, so destroyed after it: every call the
  // server still finishes has its thread.
  std::unique_ptr<Finisher> finisher;
  std::unique_ptr<lipsync::bench::Forwarder> forwarder;
  CallSink sink;
  if (post != nullptr) {
    forwarder = std::make_unique<lipsync::bench::Forwarder>(post.get());
    sink = [f = forwarder.get()](grpc::ServerUnaryReactor* r) { f->Take(r); };
  } else if (absl::GetFlag(FLAGS_hand_off)) {
    finisher = std::make_unique<Finisher>();
    sink = [f = finisher.get()](grpc::ServerUnaryReactor* r) { f->HandOff(r); };
  }
  FloorService service(std::move(sink));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(lipsync::kMaxGrpcReceiveBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return Fail("cannot listen on " + listen);
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, port)) {
    return Fail("cannot write " + port_file);
  }
  std::fprintf(stderr, "lipsync-floor-server: serving on port %d\n", port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (forwarder != nullptr) {
    std::fprintf(stderr, "lipsync-floor-server: I/O thread woken %llu times\n",
                 static_cast<unsigned long long>(forwarder->wakeups()));
  }
  return 0;
}

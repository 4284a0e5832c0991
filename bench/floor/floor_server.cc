// lipsync-floor-server: the floor of the gRPC side of bench/run.sh S1. A bare
// gRPC callback-API server of kling.lipsync.v1.LipSyncService whose
// CreateLipSyncTask answers at once with a fixed, gateway-sized LipSyncTask:
// no validation, no upstream, no health, reflection, logging or metrics. Its
// CPU per call is what gRPC 1.51 alone costs on this machine.
//
//   lipsync-floor-server --listen=127.0.0.1:0 --port_file=PATH
//
// Plaintext, loopback only. SIGTERM/SIGINT shut it down (exit 0).
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port to serve on (loopback only; port 0 picks one)");
ABSL_FLAG(std::string, port_file, "",
          "write the bound port to this file once serving");

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

class FloorService final : public v1::LipSyncService::CallbackService {
 public:
  grpc::ServerUnaryReactor* CreateLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::CreateLipSyncTaskRequest* request,
      v1::LipSyncTask* response) override {
    *response = task_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const v1::LipSyncTask task_ = FixedTask();
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

  FloorService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
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
  return 0;
}

#include "bench/floor/forwarder.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace lipsync::bench {

Forwarder::Forwarder(const FloorPost* post)
    : post_(post), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (wake_fd_ < 0) {
    std::perror("lipsync-floor-server: eventfd");
    std::abort();
  }
  curl_.WatchForReading(wake_fd_);
  thread_ = std::thread([this] { Run(); });
}

Forwarder::~Forwarder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  close(wake_fd_);
}

// No wake-up is lost, as in CurlIoLoop: the call is queued under mu_ before
// the exchange, and the loop clears awake_ before it looks at the queue
// under mu_.
void Forwarder::Take(grpc::ServerUnaryReactor* reactor) {
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(reactor);
  }
  if (awake_.exchange(true)) return;
  wakeups_.fetch_add(1);
  Wake();
}

void Forwarder::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

bool Forwarder::HasQueued() {
  absl::MutexLock lock(&mu_);
  return !queue_.empty();
}

void Forwarder::Run() {
  const auto finish = [this](const EpollCurlMulti::Finished& done) {
    Finish(done);
  };
  bool running = true;
  while (running || in_flight_ > 0) {
    awake_.store(false);
    // With calls queued the loop only looks, as the gateway's does.
    const bool woken = curl_.WaitAndAct(/*look_only=*/HasQueued());
    awake_.store(true);
    if (woken) {
      uint64_t count = 0;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    curl_.ForEachFinished(finish);
    if (running) running = StartQueued();
    curl_.ActOnDueTimer();  // starts the POSTs just added
    curl_.ForEachFinished(finish);
  }
}

bool Forwarder::StartQueued() {
  std::vector<grpc::ServerUnaryReactor*> batch;
  bool stopping = false;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(queue_);
    stopping = stopping_;
  }
  for (grpc::ServerUnaryReactor* reactor : batch) {
    CURL* easy = nullptr;
    if (idle_easy_.empty()) {
      upstream::CurlEasyPtr made(curl_easy_init());
      easy = made.get();
      if (made != nullptr) easy_handles_.push_back(std::move(made));
    } else {
      easy = idle_easy_.back();
      idle_easy_.pop_back();
    }
    if (easy == nullptr) {
      reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   "curl_easy_init failed"));
      continue;
    }
    post_->Configure(easy, reactor, nullptr);
    if (curl_multi_add_handle(curl_.multi(), easy) != CURLM_OK) {
      idle_easy_.push_back(easy);
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                                   "curl_multi_add_handle failed"));
      continue;
    }
    ++in_flight_;
  }
  return !stopping;
}

void Forwarder::Finish(const EpollCurlMulti::Finished& done) {
  grpc::ServerUnaryReactor* reactor = nullptr;
  curl_easy_getinfo(done.easy, CURLINFO_PRIVATE, &reactor);
  idle_easy_.push_back(done.easy);
  --in_flight_;
  if (done.result == CURLE_OK && done.http_status == 200) {
    reactor->Finish(grpc::Status::OK);
  } else {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        done.result == CURLE_OK
            ? "upstream answered HTTP " + std::to_string(done.http_status)
            : curl_easy_strerror(done.result)));
  }
}

}  // namespace lipsync::bench

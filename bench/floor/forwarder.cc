#include "bench/floor/forwarder.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace lipsync::bench {

Forwarder::Forwarder(const FloorPost* post)
    : post_(post), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  curl_.WatchForReading(wake_fd_);
  thread_ = std::thread([this] { Run(); });
}

Forwarder::~Forwarder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  close(wake_fd_);
}

void Forwarder::Take(grpc::ServerUnaryReactor* reactor) {
  bool was_empty = false;
  {
    absl::MutexLock lock(&mu_);
    was_empty = queue_.empty();
    queue_.push_back(reactor);
  }
  // Only the first call of a batch wakes the loop: it takes the whole queue.
  if (was_empty) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
}

void Forwarder::Run() {
  bool running = true;
  while (running || in_flight_ > 0) {
    if (curl_.WaitAndAct()) {
      uint64_t count = 0;
      (void)!read(wake_fd_, &count, sizeof(count));
      running = StartQueued();
    }
    curl_.ForEachFinished(
        [this](const EpollCurlMulti::Finished& done) { Finish(done); });
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
      easy = curl_easy_init();
    } else {
      easy = idle_easy_.back();
      idle_easy_.pop_back();
    }
    post_->Configure(easy, reactor, nullptr);
    curl_multi_add_handle(curl_.multi(), easy);
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

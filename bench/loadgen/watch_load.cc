#include "bench/loadgen/watch_load.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace lipsync::bench {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Clock = std::chrono::steady_clock;

class WatchLoad;

bool IsTerminal(v1::TaskStatus status) {
  return status == v1::TASK_STATUS_SUCCEED || status == v1::TASK_STATUS_FAILED;
}

// One stream. Reads are sequential (the next StartRead comes from
// OnReadDone), and OnDone comes after the last read, so the fields need no
// lock; WatchLoad reads them after every stream is done.
class WatchStream final : public grpc::ClientReadReactor<v1::LipSyncTask> {
 public:
  WatchStream(WatchLoad* load, std::string task_id, absl::Duration timeout)
      : load_(load) {
    request_.set_task_id(std::move(task_id));
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(timeout));
  }

  void Start(v1::LipSyncService::Stub* stub) {
    started_ = Clock::now();
    stub->async()->WatchLipSyncTask(&context_, &request_, this);
    StartRead(&task_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is over; OnDone follows
    ++messages_;
    last_status_ = task_.task_status();
    StartRead(&task_);
  }

  void OnDone(const grpc::Status& status) override;

  int64_t messages() const { return messages_; }
  bool saw_terminal() const { return IsTerminal(last_status_); }
  const grpc::Status& status() const { return status_; }
  uint32_t lifetime_us() const {
    return static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(ended_ - started_)
            .count());
  }

 private:
  WatchLoad* load_;
  grpc::ClientContext context_;
  v1::WatchLipSyncTaskRequest request_;
  v1::LipSyncTask task_;
  int64_t messages_ = 0;
  v1::TaskStatus last_status_ = v1::TASK_STATUS_UNSPECIFIED;
  grpc::Status status_;
  Clock::time_point started_;
  Clock::time_point ended_;
};

class WatchLoad {
 public:
  WatchLoadResult Run(
      const std::vector<std::unique_ptr<v1::LipSyncService::Stub>>& stubs,
      const std::vector<std::string>& task_ids,
      const WatchLoadOptions& options) {
    for (int i = 0; i < options.streams; ++i) {
      streams_.push_back(std::make_unique<WatchStream>(
          this, task_ids[i % task_ids.size()], options.stream_timeout));
    }
    {
      absl::MutexLock lock(&mu_);
      running_ = options.streams;
    }
    const Clock::time_point start = Clock::now();
    for (int i = 0; i < options.streams; ++i) {
      streams_[i]->Start(stubs[i % stubs.size()].get());
    }
    const Clock::time_point opened = Clock::now();
    Clock::time_point end;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* running) { return *running == 0; }, &running_));
      end = last_end_;
    }
    WatchLoadResult result;
    result.window = absl::FromChrono(end - start);
    result.open_time = absl::FromChrono(opened - start);
    for (const auto& s : streams_) {
      result.messages += s->messages();
      result.lifetimes_us.push_back(s->lifetime_us());
      if (s->status().ok() && s->saw_terminal()) {
        result.statuses.Add(grpc::StatusCode::OK);
        continue;
      }
      if (s->status().ok()) {
        result.statuses.AddOther("OK_WITHOUT_TERMINAL");
      } else {
        result.statuses.Add(s->status().error_code());
      }
      if (result.first_error.empty()) {
        result.first_error =
            s->status().ok()
                ? std::string("stream ended OK before a terminal status")
                : absl::StrCat(StatusCodeName(s->status().error_code()), ": ",
                               s->status().error_message());
      }
    }
    return result;
  }

  void StreamDone(Clock::time_point at) {
    absl::MutexLock lock(&mu_);
    if (at > last_end_) last_end_ = at;
    --running_;
  }

 private:
  std::vector<std::unique_ptr<WatchStream>> streams_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::time_point last_end_ ABSL_GUARDED_BY(mu_);
};

void WatchStream::OnDone(const grpc::Status& status) {
  status_ = status;
  ended_ = Clock::now();
  load_->StreamDone(ended_);  // last touch of `this` by the reactor
}

}  // namespace

WatchLoadResult RunWatchLoad(
    const std::vector<std::unique_ptr<v1::LipSyncService::Stub>>& stubs,
    const std::vector<std::string>& task_ids, const WatchLoadOptions& options) {
  WatchLoad load;
  return load.Run(stubs, task_ids, options);
}

}  // namespace lipsync::bench

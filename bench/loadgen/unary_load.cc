#include "bench/loadgen/unary_load.h"

#include <atomic>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace lipsync::bench {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Clock = std::chrono::steady_clock;

class UnaryLoad;

// One call in flight at a time. A slot's calls are sequential (the next one
// starts from the previous one's completion), so its counters need no lock;
// UnaryLoad reads them only after every slot has finished.
class Slot {
 public:
  Slot(UnaryLoad* load, v1::LipSyncService::Stub* stub, int index)
      : load_(load), stub_(stub), index_(index) {}
  void Start();

  const StatusCounts& statuses() const { return statuses_; }
  int64_t bad_answers() const { return bad_answers_; }
  std::vector<uint32_t>& latencies_us() { return latencies_us_; }
  const std::string& first_error() const { return first_error_; }

 private:
  void OnDone(const grpc::Status& status);

  UnaryLoad* load_;
  v1::LipSyncService::Stub* stub_;
  const int index_;
  // Only with unique_request_ids: this slot's copy of the request.
  std::unique_ptr<v1::CreateLipSyncTaskRequest> own_request_;
  int64_t sent_ = 0;
  std::unique_ptr<grpc::ClientContext> context_;
  v1::LipSyncTask response_;
  Clock::time_point started_;
  StatusCounts statuses_;
  int64_t bad_answers_ = 0;
  std::vector<uint32_t> latencies_us_;
  std::string first_error_;
};

class UnaryLoad {
 public:
  UnaryLoad(const v1::CreateLipSyncTaskRequest& request,
            const UnaryLoadOptions& options)
      : request_(request), options_(options) {}

  UnaryLoadResult Run(
      const std::vector<std::unique_ptr<v1::LipSyncService::Stub>>& stubs) {
    for (int i = 0; i < options_.concurrency; ++i) {
      slots_.push_back(
          std::make_unique<Slot>(this, stubs[i % stubs.size()].get(), i));
    }
    start_ = Clock::now();
    stop_at_ = start_ + absl::ToChronoNanoseconds(options_.duration);
    int started = 0;
    {
      absl::MutexLock lock(&mu_);
      running_ = options_.concurrency;
      end_ = start_;
    }
    for (auto& slot : slots_) {
      if (!TakeCall()) break;
      slot->Start();
      ++started;
    }
    {
      absl::MutexLock lock(&mu_);
      running_ -= options_.concurrency - started;
      mu_.Await(absl::Condition(
          +[](int* running) { return *running == 0; }, &running_));
    }
    UnaryLoadResult result;
    result.elapsed = absl::FromChrono(end_ - start_);
    for (auto& slot : slots_) {
      result.statuses.Merge(slot->statuses());
      result.bad_answers += slot->bad_answers();
      auto& l = slot->latencies_us();
      result.latencies_us.insert(result.latencies_us.end(), l.begin(), l.end());
      if (result.first_error.empty()) result.first_error = slot->first_error();
    }
    return result;
  }

  // True when another call may start (time and count both left).
  bool TakeCall() {
    if (Clock::now() >= stop_at_) return false;
    if (options_.max_calls <= 0) return true;
    return issued_.fetch_add(1, std::memory_order_relaxed) < options_.max_calls;
  }

  void SlotFinished() {
    absl::MutexLock lock(&mu_);
    end_ = Clock::now();
    --running_;
  }

  const v1::CreateLipSyncTaskRequest& request() const { return request_; }
  const UnaryLoadOptions& options() const { return options_; }

 private:
  const v1::CreateLipSyncTaskRequest& request_;
  const UnaryLoadOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Clock::time_point start_;
  Clock::time_point stop_at_;
  std::atomic<int64_t> issued_{0};
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::time_point end_ ABSL_GUARDED_BY(mu_);
};

void Slot::Start() {
  // A fresh context per call: a ClientContext serves one RPC.
  context_ = std::make_unique<grpc::ClientContext>();
  context_->set_deadline(
      std::chrono::system_clock::now() +
      absl::ToChronoNanoseconds(load_->options().call_timeout));
  response_.Clear();
  const v1::CreateLipSyncTaskRequest* request = &load_->request();
  if (load_->options().unique_request_ids) {
    // Changed only between calls: the previous one has completed.
    if (own_request_ == nullptr) {
      own_request_ =
          std::make_unique<v1::CreateLipSyncTaskRequest>(load_->request());
    }
    own_request_->set_request_id(absl::StrCat("lg-", index_, "-", sent_));
    request = own_request_.get();
  }
  ++sent_;
  started_ = Clock::now();
  stub_->async()->CreateLipSyncTask(
      context_.get(), request, &response_,
      [this](grpc::Status status) { OnDone(status); });
}

void Slot::OnDone(const grpc::Status& status) {
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
      Clock::now() - started_);
  latencies_us_.push_back(static_cast<uint32_t>(took.count()));
  statuses_.Add(status.error_code());
  if (!status.ok()) {
    if (first_error_.empty()) {
      first_error_ = absl::StrCat(StatusCodeName(status.error_code()), ": ",
                                  status.error_message());
    }
  } else if (response_.task_id().empty()) {
    ++bad_answers_;
    if (first_error_.empty()) first_error_ = "OK answer without a task_id";
  }
  if (load_->TakeCall()) {
    Start();
  } else {
    load_->SlotFinished();
  }
}

}  // namespace

UnaryLoadResult RunUnaryLoad(
    const std::vector<std::unique_ptr<v1::LipSyncService::Stub>>& stubs,
    const v1::CreateLipSyncTaskRequest& request,
    const UnaryLoadOptions& options) {
  UnaryLoad load(request, options);
  return load.Run(stubs);
}

}  // namespace lipsync::bench

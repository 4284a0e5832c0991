#include "bench/loadgen/soak_load.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/loadgen/bench_requests.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lipsync::bench {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Clock = std::chrono::steady_clock;
using Stubs = std::vector<std::unique_ptr<v1::LipSyncService::Stub>>;

constexpr char kCreate[] = "CreateLipSyncTask";
constexpr char kGet[] = "GetLipSyncTask";
constexpr char kList[] = "ListLipSyncTasks";
constexpr char kIdentify[] = "IdentifyFace";
constexpr char kWatch[] = "WatchLipSyncTask";
// Recent successes kept to draw replays, gets, watches and sessions from.
constexpr std::size_t kRecent = 512;

struct CreatedTask {
  v1::CreateLipSyncTaskRequest request;  // with its request_id
  std::string task_id;
};

struct Session {
  std::string session_id;
  std::string face_id;
  int64_t face_start_ms = 0;
};

// A bounded ring of recent items; Pick draws uniformly.
template <typename T>
class Recent {
 public:
  void Add(T item) {
    if (items_.size() < kRecent) {
      items_.push_back(std::move(item));
    } else {
      items_[next_] = std::move(item);
      next_ = (next_ + 1) % kRecent;
    }
  }
  bool empty() const { return items_.empty(); }
  const T& Pick(absl::BitGen& rng) const {
    return items_[absl::Uniform<std::size_t>(rng, 0, items_.size())];
  }

 private:
  std::vector<T> items_;
  std::size_t next_ = 0;
};

template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// "CODE/REASON" of a failed call (the ErrorInfo reason the gateway attaches),
// "CODE" when there is none (e.g. a deadline that expired at the client).
std::string CodeAndReason(const grpc::Status& status) {
  std::string out = StatusCodeName(status.error_code());
  google::rpc::Status proto;
  if (!status.error_details().empty() &&
      proto.ParseFromString(status.error_details())) {
    for (const auto& any : proto.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info)) return absl::StrCat(out, "/", info.reason());
    }
  }
  return out;
}

enum class Kind { kCreate, kReplay, kGet, kList, kIdentify, kWatch };

class SoakLoad;

// One watch stream; deletes itself after reporting its end.
class SoakWatch final : public grpc::ClientReadReactor<v1::LipSyncTask> {
 public:
  SoakWatch(SoakLoad* load, std::string task_id, absl::Duration timeout)
      : load_(load) {
    request_.set_task_id(std::move(task_id));
    context_.set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(timeout));
  }
  void Start(v1::LipSyncService::Stub* stub) {
    stub->async()->WatchLipSyncTask(&context_, &request_, this);
    StartRead(&task_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (task_.task_id() != request_.task_id()) wrong_task_ = true;
    last_ = task_.task_status();
    StartRead(&task_);
  }
  void OnDone(const grpc::Status& status) override;

 private:
  SoakLoad* load_;
  grpc::ClientContext context_;
  v1::WatchLipSyncTaskRequest request_;
  v1::LipSyncTask task_;
  v1::TaskStatus last_ = v1::TASK_STATUS_UNSPECIFIED;
  bool wrong_task_ = false;
};

class SoakLoad {
 public:
  SoakLoad(const Stubs& stubs, const SoakOptions& options)
      : stubs_(stubs), options_(options), rng_() {}

  SoakResult Run() {
    const Clock::time_point start = Clock::now();
    const Clock::time_point stop =
        start + absl::ToChronoNanoseconds(options_.duration);
    Clock::time_point next_report =
        start + absl::ToChronoNanoseconds(options_.report_every);
    int64_t started = 0;
    while (true) {
      const Clock::time_point now = Clock::now();
      if (now >= stop) break;
      const double elapsed_s =
          std::chrono::duration<double>(now - start).count();
      const int64_t due = static_cast<int64_t>(elapsed_s * options_.rate);
      for (; started < due; ++started) StartOne();
      if (options_.report_every > absl::ZeroDuration() && now >= next_report) {
        Report(elapsed_s);
        next_report += absl::ToChronoNanoseconds(options_.report_every);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Every call has a deadline: waiting for the stragglers is bounded.
    const absl::Duration grace =
        std::max(options_.call_timeout, options_.watch_timeout) +
        absl::Seconds(10);
    SoakResult result;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](int* n) { return *n == 0; }, &in_flight_),
                         grace);
    if (in_flight_ != 0) {
      std::fprintf(stderr, "soak: %d calls still in flight after %s\n",
                   in_flight_, absl::FormatDuration(grace).c_str());
      by_method_["(unfinished)"].AddOther("STILL_IN_FLIGHT");
    }
    result.by_method = by_method_;
    result.bad_answers = bad_answers_;
    result.reasons = reasons_;
    result.keys_sent = keys_sent_;
    result.replays = replays_;
    result.skipped = skipped_;
    result.elapsed = absl::FromChrono(last_end_ - start);
    result.first_bad_answer = first_bad_answer_;
    return result;
  }

  // Called by calls when they end.
  void Finish(const char* method, const grpc::Status& status,
              const std::string& bad_answer, bool watch = false) {
    const std::string reason = status.ok() ? "" : CodeAndReason(status);
    absl::MutexLock lock(&mu_);
    by_method_[method].Add(status.error_code());
    if (!reason.empty()) ++reasons_[method][reason];
    if (!bad_answer.empty()) NoteBadLocked(method, bad_answer);
    EndLocked(watch);
  }
  void FinishOther(const char* method, const std::string& name,
                   const std::string& bad_answer, bool watch) {
    absl::MutexLock lock(&mu_);
    by_method_[method].AddOther(name);
    if (!bad_answer.empty()) NoteBadLocked(method, bad_answer);
    EndLocked(watch);
  }

 private:
  void NoteBadLocked(const char* method, const std::string& what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++bad_answers_[method];
    if (first_bad_answer_.empty()) {
      first_bad_answer_ = absl::StrCat(method, ": ", what);
    }
  }
  void EndLocked(bool watch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    --in_flight_;
    if (watch) --watches_;
    last_end_ = Clock::now();
  }

  void Report(double elapsed_s) {
    absl::MutexLock lock(&mu_);
    int64_t calls = 0, ok = 0;
    for (const auto& [method, counts] : by_method_) {
      calls += counts.total();
      ok += counts.ok();
    }
    std::fprintf(stderr,
                 "soak: %.0f s: %lld calls ended, %lld OK, %d in flight "
                 "(%d watches), %lld skipped\n",
                 elapsed_s, static_cast<long long>(calls),
                 static_cast<long long>(ok), in_flight_, watches_,
                 static_cast<long long>(skipped_));
  }

  v1::LipSyncService::Stub* NextStub() {
    return stubs_[next_stub_++ % stubs_.size()].get();
  }

  template <typename Call>
  Call* NewCall(absl::Duration timeout) {
    auto* call = new Call();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               absl::ToChronoNanoseconds(timeout));
    return call;
  }

  // Picks a kind and starts it; falls back to a create when the kind needs
  // something not there yet (a task, a free watch slot).
  void StartOne() {
    Kind kind;
    CreatedTask replay;
    std::string task_id;
    std::optional<Session> session;
    {
      absl::MutexLock lock(&mu_);
      if (in_flight_ >= options_.max_in_flight) {
        ++skipped_;
        return;
      }
      const int total = options_.weight_create + options_.weight_replay +
                        options_.weight_get + options_.weight_list +
                        options_.weight_identify + options_.weight_watch;
      int r = absl::Uniform(rng_, 0, std::max(total, 1));
      const std::pair<Kind, int> weights[] = {
          {Kind::kCreate, options_.weight_create},
          {Kind::kReplay, options_.weight_replay},
          {Kind::kGet, options_.weight_get},
          {Kind::kList, options_.weight_list},
          {Kind::kIdentify, options_.weight_identify},
          {Kind::kWatch, options_.weight_watch}};
      kind = Kind::kCreate;
      for (const auto& [k, w] : weights) {
        if (r < w) {
          kind = k;
          break;
        }
        r -= w;
      }
      if ((kind == Kind::kReplay || kind == Kind::kGet ||
           kind == Kind::kWatch) &&
          created_.empty()) {
        kind = Kind::kCreate;
      }
      if (kind == Kind::kWatch && watches_ >= options_.max_watches) {
        kind = Kind::kGet;
      }
      if (kind == Kind::kReplay) {
        replay = created_.Pick(rng_);
        ++replays_;
      } else if (kind == Kind::kGet || kind == Kind::kWatch) {
        task_id = created_.Pick(rng_).task_id;
      } else if (kind == Kind::kCreate) {
        ++keys_sent_;
        if (!sessions_.empty() && absl::Bernoulli(rng_, 0.5)) {
          session = sessions_.Pick(rng_);
        }
      }
      ++in_flight_;
      if (kind == Kind::kWatch) ++watches_;
    }
    switch (kind) {
      case Kind::kCreate:
        StartCreate(NewRequest(session), /*expect_task_id=*/"");
        return;
      case Kind::kReplay:
        StartCreate(std::move(replay.request), replay.task_id);
        return;
      case Kind::kGet:
        StartGet(task_id);
        return;
      case Kind::kList:
        StartList();
        return;
      case Kind::kIdentify:
        StartIdentify();
        return;
      case Kind::kWatch:
        (new SoakWatch(this, task_id, options_.watch_timeout))
            ->Start(NextStub());
        return;
    }
  }

  v1::CreateLipSyncTaskRequest NewRequest(const std::optional<Session>& s) {
    v1::CreateLipSyncTaskRequest request = SeedCreateRequest();
    request.set_request_id(absl::StrCat(options_.key_prefix, "-", next_key_++));
    if (s.has_value()) {
      // A 3 s clip inserted where the identified face starts: the face is at
      // least 3 s long and inside the video, so every rule holds.
      request.set_session_id(s->session_id);
      v1::FaceChoose* face = request.mutable_face_choose(0);
      face->set_face_id(s->face_id);
      face->set_sound_start_time(0);
      face->set_sound_end_time(3000);
      face->set_sound_insert_time(s->face_start_ms);
    }
    return request;
  }

  void StartCreate(v1::CreateLipSyncTaskRequest request,
                   std::string expect_task_id) {
    using Call = UnaryCall<v1::CreateLipSyncTaskRequest, v1::LipSyncTask>;
    Call* call = NewCall<Call>(options_.call_timeout);
    call->request = std::move(request);
    NextStub()->async()->CreateLipSyncTask(
        &call->context, &call->request, &call->response,
        [this, call, expect = std::move(expect_task_id)](grpc::Status s) {
          std::string bad;
          if (s.ok()) {
            const v1::LipSyncTask& task = call->response;
            if (task.task_id().empty()) {
              bad = "OK create without a task_id";
            } else if (task.task_info().external_task_id() !=
                       call->request.request_id()) {
              bad = absl::StrCat("task ", task.task_id(),
                                 " has external_task_id '",
                                 task.task_info().external_task_id(),
                                 "', not the key ", call->request.request_id());
            } else if (!expect.empty() && task.task_id() != expect) {
              bad = absl::StrCat("replay of ", call->request.request_id(),
                                 " returned task ", task.task_id(), ", not ",
                                 expect);
            } else if (expect.empty()) {
              absl::MutexLock lock(&mu_);
              created_.Add(CreatedTask{call->request, task.task_id()});
            }
          }
          Finish(kCreate, s, bad);
          delete call;
        });
  }

  void StartGet(const std::string& task_id) {
    using Call = UnaryCall<v1::GetLipSyncTaskRequest, v1::LipSyncTask>;
    Call* call = NewCall<Call>(options_.call_timeout);
    call->request.set_task_id(task_id);
    NextStub()->async()->GetLipSyncTask(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status s) {
          std::string bad;
          if (s.ok() && call->response.task_id() != call->request.task_id()) {
            bad = absl::StrCat("asked for ", call->request.task_id(), ", got '",
                               call->response.task_id(), "'");
          }
          Finish(kGet, s, bad);
          delete call;
        });
  }

  void StartList() {
    using Call =
        UnaryCall<v1::ListLipSyncTasksRequest, v1::ListLipSyncTasksResponse>;
    Call* call = NewCall<Call>(options_.call_timeout);
    call->request.set_page_num(1);
    call->request.set_page_size(20);
    NextStub()->async()->ListLipSyncTasks(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status s) {
          std::string bad;
          if (s.ok() && call->response.tasks_size() > 20) {
            bad = absl::StrCat(call->response.tasks_size(),
                               " tasks on a page of 20");
          }
          Finish(kList, s, bad);
          delete call;
        });
  }

  void StartIdentify() {
    using Call = UnaryCall<v1::IdentifyFaceRequest, v1::IdentifyFaceResponse>;
    Call* call = NewCall<Call>(options_.call_timeout);
    call->request.set_video_url(absl::StrCat("https://example.com/soak/clip-",
                                             next_video_++ % 1000, ".mp4"));
    NextStub()->async()->IdentifyFace(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status s) {
          std::string bad;
          if (s.ok()) {
            const v1::IdentifyFaceResponse& r = call->response;
            if (r.session_id().empty() || r.face_data_size() == 0) {
              bad = "OK identify without a session or faces";
            } else {
              absl::MutexLock lock(&mu_);
              sessions_.Add(Session{r.session_id(), r.face_data(0).face_id(),
                                    r.face_data(0).start_time()});
            }
          }
          Finish(kIdentify, s, bad);
          delete call;
        });
  }

  const Stubs& stubs_;
  const SoakOptions options_;
  // Touched by the driver thread only.
  std::size_t next_stub_ = 0;
  int64_t next_key_ = 0;
  int64_t next_video_ = 0;

  absl::Mutex mu_;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int watches_ ABSL_GUARDED_BY(mu_) = 0;
  Recent<CreatedTask> created_ ABSL_GUARDED_BY(mu_);
  Recent<Session> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StatusCounts> by_method_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> bad_answers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, int64_t>> reasons_
      ABSL_GUARDED_BY(mu_);
  std::string first_bad_answer_ ABSL_GUARDED_BY(mu_);
  int64_t keys_sent_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t replays_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t skipped_ ABSL_GUARDED_BY(mu_) = 0;
  Clock::time_point last_end_ ABSL_GUARDED_BY(mu_) = Clock::now();
};

void SoakWatch::OnDone(const grpc::Status& status) {
  std::string bad;
  if (wrong_task_) bad = "a watch delivered another task";
  const bool terminal =
      last_ == v1::TASK_STATUS_SUCCEED || last_ == v1::TASK_STATUS_FAILED;
  if (status.ok() && !terminal) {
    load_->FinishOther(kWatch, "OK_WITHOUT_TERMINAL", bad, /*watch=*/true);
  } else {
    load_->Finish(kWatch, status, bad, /*watch=*/true);
  }
  delete this;
}

}  // namespace

SoakResult RunSoakLoad(const Stubs& stubs, const SoakOptions& options) {
  SoakLoad load(stubs, options);
  return load.Run();
}

}  // namespace lipsync::bench

#ifndef LIPSYNC_SIM_FAULTS_H_
#define LIPSYNC_SIM_FAULTS_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace kling_sim {

enum class FaultKind {
  kLatency,        // wait `ms`, then the normal answer
  kHang,           // no answer until the client disconnects (<= 120 s)
  kError,          // envelope with http_status / code / message
  kRateLimit,      // HTTP 429, code 1302, Retry-After: retry_after_s
  kReset,          // headers + part of the body, then the socket closes
  kTruncatedJson,  // HTTP-complete answer whose JSON is cut short
  kMalformedJson,  // HTTP-complete answer that is not JSON
  kCodeIn200,      // HTTP 200 with a non-zero `code`
  kEmptyBody,      // HTTP 200, no body
  kEmptyObject,    // HTTP 200, body {}
  kHuge,           // HTTP 200, a `bytes` long (default 100 MiB) JSON body
  kSlowDrip,       // the normal answer, one byte every interval_ms
};

// Name used in the /_sim/faults API ("truncated_json", ...).
const char* FaultKindName(FaultKind kind);

// True for the kinds that answer before the request takes effect: a create
// hit by them creates no task. Every other kind lets the request take effect
// and then spoils (or delays) its answer.
bool AppliesBeforeEffect(FaultKind kind);

// One queued fault and its parameters (defaults filled in).
struct Fault {
  FaultKind kind = FaultKind::kError;
  std::string method;                   // "" matches every method
  std::string path_prefix;              // "" matches every /v1/ path
  int64_t ms = 0;                       // latency
  int64_t interval_ms = 100;            // slow_drip
  int64_t bytes = 100LL * 1024 * 1024;  // huge
  int http_status = 500;                // error
  int code = 5000;                      // error, code_in_200
  std::string message;                  // "": a default per kind
  int retry_after_s = 1;                // rate_limit
  int64_t hang_max_ms = 120000;         // hang

  nlohmann::ordered_json ToJson() const;
};

// A parsed POST /_sim/faults body: the fault and how many requests it hits.
struct FaultSpec {
  Fault fault;
  int64_t count = 1;
};

// InvalidArgument naming the bad field for an unusable spec.
absl::StatusOr<FaultSpec> ParseFaultSpec(const nlohmann::json& body);

// Faults waiting for requests. Thread-safe. Specs are matched in the order
// they were added (FIFO): a request takes one hit from the oldest spec that
// matches its method and path, which keeps runs reproducible.
class FaultQueue {
 public:
  void Add(FaultSpec spec);
  std::optional<Fault> Take(absl::string_view method, absl::string_view path);
  void Clear();
  nlohmann::ordered_json ToJson() const;  // pending specs with remaining counts

 private:
  mutable absl::Mutex mu_;
  std::deque<FaultSpec> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_FAULTS_H_

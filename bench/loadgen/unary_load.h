// Closed-loop unary load on the gRPC callback client: `concurrency` slots,
// each with one CreateLipSyncTask in flight at a time, started again from the
// previous call's completion, until the duration or the call count is spent.
// Every status is counted; an OK answer without a task_id counts as a bad
// answer.
#ifndef LIPSYNC_BENCH_LOADGEN_UNARY_LOAD_H_
#define LIPSYNC_BENCH_LOADGEN_UNARY_LOAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/loadgen/status_counts.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"

namespace lipsync::bench {

struct UnaryLoadOptions {
  int concurrency = 16;
  // Stop starting calls after this long...
  absl::Duration duration = absl::Seconds(10);
  // ...or after this many calls, when > 0 (whichever comes first).
  int64_t max_calls = 0;
  // Deadline of each call.
  absl::Duration call_timeout = absl::Seconds(30);
  // Give every call its own idempotency key (`request_id`), which takes the
  // gateway's idempotent-create path. Each slot then sends its own copy of
  // the request.
  bool unique_request_ids = false;
};

struct UnaryLoadResult {
  StatusCounts statuses;
  // OK answers without a task_id.
  int64_t bad_answers = 0;
  // One per finished call, microseconds, in no particular order.
  std::vector<uint32_t> latencies_us;
  // From the first call's start to the last call's end.
  absl::Duration elapsed;
  // The first failure seen, "" when none.
  std::string first_error;
};

// Slot i uses stubs[i % stubs.size()]. `request` is sent unchanged by every
// call; it must outlive Run.
UnaryLoadResult RunUnaryLoad(
    const std::vector<
        std::unique_ptr<kling::lipsync::v1::LipSyncService::Stub>>& stubs,
    const kling::lipsync::v1::CreateLipSyncTaskRequest& request,
    const UnaryLoadOptions& options);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_UNARY_LOAD_H_

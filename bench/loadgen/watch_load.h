// Watch load: `streams` WatchLipSyncTask streams at once, spread round-robin
// over `task_ids`, each a ClientReadReactor on the callback client. A stream
// succeeds when it ends OK after delivering a terminal status (SUCCEED or
// FAILED); anything else is counted by its gRPC code.
#ifndef LIPSYNC_BENCH_LOADGEN_WATCH_LOAD_H_
#define LIPSYNC_BENCH_LOADGEN_WATCH_LOAD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/loadgen/status_counts.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"

namespace lipsync::bench {

struct WatchLoadOptions {
  int streams = 10000;
  // Deadline of each stream; Run returns after it at the latest.
  absl::Duration stream_timeout = absl::Seconds(120);
};

struct WatchLoadResult {
  // "OK" only for streams that ended OK after a terminal status; an OK end
  // without one is "OK_WITHOUT_TERMINAL".
  StatusCounts statuses;
  int64_t messages = 0;
  // Stream lifetimes (open to end), microseconds.
  std::vector<uint32_t> lifetimes_us;
  // From the first stream's start to the last stream's end.
  absl::Duration window;
  // Time to start every stream (the calls, not their first message).
  absl::Duration open_time;
  std::string first_error;
};

// Stream i uses stubs[i % stubs.size()] and task_ids[i % task_ids.size()].
WatchLoadResult RunWatchLoad(
    const std::vector<
        std::unique_ptr<kling::lipsync::v1::LipSyncService::Stub>>& stubs,
    const std::vector<std::string>& task_ids, const WatchLoadOptions& options);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_WATCH_LOAD_H_

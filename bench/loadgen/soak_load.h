// Soak load for bench/soak.sh: a steady, paced mix of every call the gateway
// serves, on the gRPC callback client, with every status counted per method.
//
// Calls start at `rate` per second (open loop, paced every 10 ms) as long as
// fewer than `max_in_flight` are outstanding; a call that would exceed it is
// counted as skipped instead (the load stays bounded when the gateway slows
// down). Each call is one of:
//   create   CreateLipSyncTask with a fresh idempotency key (`request_id`);
//            half of them on a session from an earlier IdentifyFace (its face
//            and timing), half with the seed's unknown session. An OK answer
//            must carry a task_id and the key as external_task_id.
//   replay   the request of an earlier successful create, same key: must be
//            OK with the same task_id (the gateway's idempotency cache; the
//            upstream must not see a second POST).
//   get      GetLipSyncTask of a task created earlier: same task_id back.
//   list     ListLipSyncTasks, page 1 of 20.
//   identify IdentifyFace by video_url.
//   watch    WatchLipSyncTask of a task created earlier (at most
//            `max_watches` at once): good when it ends OK after a terminal
//            status.
// Nothing is retried by the load generator: every key is sent by one caller
// call (replays aside), so the upstream must see at most one POST per key.
#ifndef LIPSYNC_BENCH_LOADGEN_SOAK_LOAD_H_
#define LIPSYNC_BENCH_LOADGEN_SOAK_LOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/loadgen/status_counts.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"

namespace lipsync::bench {

struct SoakOptions {
  double rate = 100;  // calls started per second
  int max_in_flight = 64;
  int max_watches = 16;
  absl::Duration duration = absl::Seconds(60);
  absl::Duration call_timeout = absl::Seconds(5);
  absl::Duration watch_timeout = absl::Seconds(30);
  // Relative weights of the call kinds.
  int weight_create = 30;
  int weight_replay = 5;
  int weight_get = 25;
  int weight_list = 10;
  int weight_identify = 10;
  int weight_watch = 5;
  // Prefix of every idempotency key (unique per run).
  std::string key_prefix = "soak";
  uint64_t seed = 1;
  // Progress line on stderr this often (0: never).
  absl::Duration report_every = absl::Seconds(30);
};

struct SoakResult {
  // gRPC method name -> calls by status. Watch: "OK" only for streams that
  // ended OK after a terminal status ("OK_WITHOUT_TERMINAL" otherwise).
  std::map<std::string, StatusCounts> by_method;
  // OK answers that were wrong (no task_id, another key, a replay that
  // returned another task, ...), by method.
  std::map<std::string, int64_t> bad_answers;
  // gRPC method name -> failed calls by "CODE/REASON" (ErrorInfo.reason).
  std::map<std::string, std::map<std::string, int64_t>> reasons;
  int64_t keys_sent = 0;   // distinct idempotency keys sent (creates)
  int64_t replays = 0;     // creates that re-sent an earlier key
  int64_t skipped = 0;     // not started: max_in_flight reached
  absl::Duration elapsed;  // first start to last end
  std::string first_bad_answer;
};

SoakResult RunSoakLoad(
    const std::vector<
        std::unique_ptr<kling::lipsync::v1::LipSyncService::Stub>>& stubs,
    const SoakOptions& options);

// --mode=soak (soak_mode.cc): runs the load with its flags, prints the JSON
// line; 0 when every OK answer was right (error statuses are judged by
// bench/soak.sh), 1 otherwise, 2 on bad flags.
int RunSoakMode(
    const std::vector<
        std::unique_ptr<kling::lipsync::v1::LipSyncService::Stub>>& stubs,
    absl::Duration duration, absl::Duration call_timeout,
    const std::string& label);

// --mode=health: grpc.health.v1.Health/Check of the whole server; prints a
// JSON line; 0 when SERVING.
int RunHealthMode(const std::string& target);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_SOAK_LOAD_H_

// The gRPC service config the client publishes for the gateway (set as the
// channel's default service config by MakeChannel).
#ifndef LIPSYNC_CLIENT_SERVICE_CONFIG_H_
#define LIPSYNC_CLIENT_SERVICE_CONFIG_H_

namespace lipsync::client {

// Retries only the reads (GetLipSyncTask, ListLipSyncTasks), only on
// UNAVAILABLE, at most 3 attempts with 0.2 s → 2 s exponential backoff. A
// server's `grpc-retry-pushback-ms` trailer overrides the backoff.
//
// IdentifyFace and CreateLipSyncTask are deliberately absent: both are billed
// upstream, and an UNAVAILABLE after the request left the client can mean the
// gateway already paid for it, so a blind retry can pay twice. Retry a create
// yourself with the same `request_id` (the gateway's idempotency key).
//
// WatchLipSyncTask is absent too: gRPC cannot retry a stream once a message
// has arrived, so WatchUntilTerminal (client/watch_task.h) re-opens it.
inline constexpr char kServiceConfigJson[] = R"json({
  "methodConfig": [
    {
      "name": [
        {"service": "kling.lipsync.v1.LipSyncService", "method": "GetLipSyncTask"},
        {"service": "kling.lipsync.v1.LipSyncService", "method": "ListLipSyncTasks"}
      ],
      "retryPolicy": {
        "maxAttempts": 3,
        "initialBackoff": "0.2s",
        "maxBackoff": "2s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }
  ]
})json";

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_SERVICE_CONFIG_H_

// What every lipsync-cli subcommand shares: the common flags, the exit codes,
// connecting, and reporting errors.
#ifndef LIPSYNC_CLIENT_CLI_COMMON_H_
#define LIPSYNC_CLIENT_CLI_COMMON_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/channel_options.h"
#include "client/lipsync_client.h"

namespace lipsync::client::cli {

// Exit codes: 0 when everything succeeded; otherwise the gRPC status code
// number of the failure (INVALID_ARGUMENT → 3, UNAVAILABLE → 14, ...), local
// failures included (a missing audio file → NOT_FOUND → 5); and these two:
inline constexpr int kExitUsage = 64;       // bad command line (sysexits.h)
inline constexpr int kExitTaskFailed = 65;  // the task ended `failed`

inline constexpr absl::Duration kDefaultCallTimeout = absl::Seconds(30);
inline constexpr absl::Duration kDefaultWatchTimeout = absl::Minutes(10);

// Environment variables read when the matching flag is absent.
inline constexpr char kTargetEnv[] = "LIPSYNC_TARGET";
inline constexpr char kTokenEnv[] = "LIPSYNC_TOKEN";

struct CommonArgs {
  std::string subcommand;
  ChannelOptions channel;
  // --timeout as given; each subcommand picks its own default.
  std::optional<absl::Duration> timeout;
  bool json = false;
  // The trace every call of this invocation joins: --trace_id, else new.
  std::string trace_id;

  // Deadline of one unary call: --timeout, else kDefaultCallTimeout.
  absl::Duration CallTimeout() const {
    return timeout.value_or(kDefaultCallTimeout);
  }
};

// Reads the common flags (and $LIPSYNC_TARGET, $LIPSYNC_TOKEN). Errors are
// usage errors (INVALID_ARGUMENT, one line).
absl::StatusOr<CommonArgs> ReadCommonArgs(absl::string_view subcommand);

// The process exit code for a failed (or OK) status, as described above.
int ExitCode(const absl::Status& status);

// Prints "lipsync-cli <subcommand>: <message>" on one line to stderr and
// returns kExitUsage.
int UsageError(absl::string_view subcommand, absl::string_view message);

// Prints FormatClientError(status) to stderr, plus a hint for the common
// causes (gateway unreachable, missing token, deadline), and returns
// ExitCode(status). With --json the error is one JSON document on stderr
// instead: {"error":{"code","message","reason"?,"kling_request_id"?,
// "trace_id"?}}. An RPC's error names its trace id either way.
int ReportError(const CommonArgs& common, const absl::Status& status);

// Builds the client for `common`; warns on stderr when a bearer token would
// cross a non-loopback network in plaintext.
absl::StatusOr<std::unique_ptr<LipSyncClient>> Connect(
    const CommonArgs& common);

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_COMMON_H_

#include "client/cli/common.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "client/cli/flags.h"
#include "client/client_error.h"
#include "client/printable_text.h"
#include "nlohmann/json.hpp"

namespace lipsync::client::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// Loopback targets never leave the machine, so a plaintext token there is
// as safe as the machine. Anything unsure counts as remote.
bool IsLoopbackTarget(absl::string_view target) {
  if (absl::StartsWith(target, "unix:")) return true;
  absl::ConsumePrefix(&target, "dns:///");
  absl::ConsumePrefix(&target, "ipv4:");
  absl::ConsumePrefix(&target, "ipv6:");
  if (absl::StartsWith(target, "[::1]:") || target == "[::1]") return true;
  const absl::string_view host = target.substr(0, target.rfind(':'));
  if (host == "localhost") return true;
  return absl::StartsWith(host, "127.") &&
         host.find_first_not_of("0123456789.") == absl::string_view::npos;
}

std::string Hint(const CommonArgs& common, const ClientError& error) {
  switch (error.code) {
    case absl::StatusCode::kUnavailable:
      if (error.error_info) return "";  // The upstream is down, not us.
      return absl::StrCat("is the gateway running at ", common.channel.target,
                          "? (--target or $", kTargetEnv, ")");
    case absl::StatusCode::kUnauthenticated:
      if (error.IsUpstreamError()) return "";
      return absl::StrCat("give the gateway's token with $", kTokenEnv,
                          " or --token_file");
    case absl::StatusCode::kDeadlineExceeded:
      return "no answer in time; raise --timeout";
    default:
      return "";
  }
}

}  // namespace

absl::StatusOr<CommonArgs> ReadCommonArgs(absl::string_view subcommand) {
  CommonArgs common;
  common.subcommand = std::string(subcommand);
  ChannelOptions& channel = common.channel;
  channel.target = absl::GetFlag(FLAGS_target);
  if (channel.target.empty()) channel.target = Env(kTargetEnv);
  if (channel.target.empty()) channel.target = kDefaultTarget;
  channel.use_tls = absl::GetFlag(FLAGS_tls);
  channel.ca_cert_file = absl::GetFlag(FLAGS_ca_cert);
  channel.client_cert_file = absl::GetFlag(FLAGS_client_cert);
  channel.client_key_file = absl::GetFlag(FLAGS_client_key);
  // An explicit file wins over the environment.
  channel.token_file = absl::GetFlag(FLAGS_token_file);
  if (channel.token_file.empty()) channel.bearer_token = Env(kTokenEnv);

  if (!channel.use_tls &&
      (!channel.ca_cert_file.empty() || !channel.client_cert_file.empty() ||
       !channel.client_key_file.empty())) {
    return absl::InvalidArgumentError(
        "--ca_cert, --client_cert and --client_key need --tls");
  }
  if (channel.client_cert_file.empty() != channel.client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "mutual TLS needs both --client_cert and --client_key");
  }
  common.timeout = absl::GetFlag(FLAGS_timeout);
  if (common.timeout && *common.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout must be positive, e.g. 30s");
  }
  common.json = absl::GetFlag(FLAGS_json);
  common.trace_id = absl::GetFlag(FLAGS_trace_id);
  if (common.trace_id.empty()) {
    common.trace_id = NewTraceId();
  } else if (!IsValidTraceId(common.trace_id)) {
    return absl::InvalidArgumentError(
        "--trace_id must be 32 lower-case hex characters, not all zeros "
        "(a W3C trace id)");
  }
  return common;
}

int ExitCode(const absl::Status& status) {
  const int code = static_cast<int>(status.code());
  // Codes 1..16 are gRPC's; anything else cannot come from gRPC.
  if (code >= 0 && code <= 16) return code;
  return static_cast<int>(absl::StatusCode::kUnknown);
}

int UsageError(absl::string_view subcommand, absl::string_view message) {
  absl::FPrintF(stderr, "lipsync-cli %s: %s\n", subcommand, message);
  return kExitUsage;
}

int ReportError(const CommonArgs& common, const absl::Status& status) {
  const ClientError error = ClientErrorFromStatus(status);
  if (common.json) {
    nlohmann::ordered_json doc = {
        {"code", absl::StatusCodeToString(error.code)},
        {"message", PrintableText(error.message)}};
    if (error.error_info) {
      doc["reason"] = PrintableText(error.error_info->reason);
      const std::string kling_request_id = error.Metadata(kKlingRequestIdKey);
      if (!kling_request_id.empty()) {
        doc["kling_request_id"] = PrintableText(kling_request_id);
      }
    }
    if (!error.trace_id.empty()) doc["trace_id"] = error.trace_id;
    // Server text may not be UTF-8: replaced, never thrown on.
    absl::FPrintF(stderr, "%s\n",
                  nlohmann::ordered_json({{"error", doc}})
                      .dump(-1, ' ', false,
                            nlohmann::ordered_json::error_handler_t::replace));
    return ExitCode(status);
  }
  absl::FPrintF(stderr, "%s\n", FormatClientError(error));
  const std::string hint = Hint(common, error);
  if (!hint.empty()) absl::FPrintF(stderr, "  hint: %s\n", hint);
  return ExitCode(status);
}

absl::StatusOr<std::unique_ptr<LipSyncClient>> Connect(
    const CommonArgs& common) {
  const ChannelOptions& channel = common.channel;
  const bool has_token =
      !channel.bearer_token.empty() || !channel.token_file.empty();
  if (has_token && !channel.use_tls && !IsLoopbackTarget(channel.target)) {
    absl::FPrintF(stderr,
                  "warning: sending the bearer token to %s without TLS; "
                  "anyone on the path can read it (use --tls)\n",
                  channel.target);
  }
  auto client = MakeLipSyncClient(channel, common.CallTimeout());
  if (client.ok()) (*client)->set_trace_id(common.trace_id);
  return client;
}

}  // namespace lipsync::client::cli

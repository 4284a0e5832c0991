// lipsync-gateway: turns the settings table (gateway_settings.h) into flags
// with environment fallbacks, fills GatewayConfig, and runs the server.
// Nothing else lives here.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "service/common/json_log.h"
#include "service/common/process_tuning.h"
#include "service/server/gateway_settings.h"
#include "service/server/run_server.h"

namespace {

// Defaults of every setting: those of the option structs.
const lipsync::server::GatewayConfig& Defaults() {
  static const lipsync::server::GatewayConfig* defaults =
      new lipsync::server::GatewayConfig();
  return *defaults;
}

}  // namespace

// One ABSL_FLAG per row of the table; its help ends with the variable.
#define LIPSYNC_DEFINE_FLAG(flag, env, destination, help)         \
  ABSL_FLAG(std::decay_t<decltype(Defaults().destination)>, flag, \
            Defaults().destination, help " [" env "]");
LIPSYNC_GATEWAY_SETTINGS(LIPSYNC_DEFINE_FLAG)
#undef LIPSYNC_DEFINE_FLAG

namespace {

// Environment fallbacks: applied before the command line is parsed, so a
// flag given on the command line wins over its variable.
struct EnvFlag {
  const char* flag;
  const char* env;
};
#define LIPSYNC_ENV_FLAG(flag, env, destination, help) {#flag, env},
constexpr EnvFlag kEnvFlags[] = {LIPSYNC_GATEWAY_SETTINGS(LIPSYNC_ENV_FLAG)};
#undef LIPSYNC_ENV_FLAG

std::vector<std::string> ApplyEnvironment() {
  std::vector<std::string> errors;
  for (const EnvFlag& f : kEnvFlags) {
    const char* value = std::getenv(f.env);
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(f.flag);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      errors.push_back(absl::StrCat(f.env, ": ", error));
    }
  }
  return errors;
}

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : std::string(absl::StripAsciiWhitespace(value));
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts: Abseil's lock-order graph costs 2-3% of the
  // CPU in Release (GraphCycles::GetId); debug builds and tests keep it.
  lipsync::DisableMutexDeadlockDetectionInRelease();
  lipsync::server::BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "gRPC gateway to the Kling AI lip-sync API.\n"
      "Upstream credentials: an API key (--api_key_file or KLING_API_KEY), or\n"
      "an access key + secret key pair (--access_key_file/--secret_key_file\n"
      "or KLING_ACCESS_KEY/KLING_SECRET_KEY) from which HS256 JWTs are\n"
      "minted. Secrets are read from files or the environment only\n"
      "(the Redis password: --redis_password_file or LIPSYNC_REDIS_PASSWORD).\n"
      "Every flag can also be set by the environment variable in brackets.");
  absl::FlagsUsageConfig usage;
  // --help lists this file's flags (absl's default looks for a file named
  // after the binary).
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "service/main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> errors = ApplyEnvironment();
  absl::ParseCommandLine(argc, argv);

  lipsync::server::GatewayConfig config;
#define LIPSYNC_READ_FLAG(flag, env, destination, help) \
  config.destination = absl::GetFlag(FLAGS_##flag);
  LIPSYNC_GATEWAY_SETTINGS(LIPSYNC_READ_FLAG)
#undef LIPSYNC_READ_FLAG
  lipsync::server::GatewayOptions& options = config.options;
  // The upstream connection cache holds as many connections as calls may be
  // in flight, so calls reuse kept-alive connections instead of reconnecting.
  options.curl.max_in_flight_calls =
      options.service.admission.max_in_flight_calls;
  lipsync::server::SecretSources& secrets = config.secrets;
  secrets.api_key_env = EnvOrEmpty("KLING_API_KEY");
  secrets.access_key_env = EnvOrEmpty("KLING_ACCESS_KEY");
  secrets.secret_key_env = EnvOrEmpty("KLING_SECRET_KEY");
  secrets.redis_password_env = EnvOrEmpty("LIPSYNC_REDIS_PASSWORD");
  for (std::string& error : lipsync::server::LoadSecrets(secrets, &options)) {
    errors.push_back(std::move(error));
  }

  lipsync::LogLevel level;
  if (lipsync::ParseLogLevel(config.log_level, &level)) {
    lipsync::SetLogLevel(level);
  } else {
    errors.push_back("--log_level must be debug, info, warning or error");
  }
  absl::Status valid = lipsync::server::ValidateGatewayOptions(options);
  if (!valid.ok()) errors.push_back(std::string(valid.message()));
  if (!errors.empty()) {
    std::fprintf(stderr, "lipsync-gateway: %s\n",
                 absl::StrJoin(errors, "; ").c_str());
    return 2;
  }
  absl::Status run = lipsync::server::RunServer(options);
  if (!run.ok()) {
    std::fprintf(stderr, "lipsync-gateway: %s\n",
                 std::string(run.message()).c_str());
    return 1;
  }
  return 0;
}

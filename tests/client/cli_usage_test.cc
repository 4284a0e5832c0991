// lipsync-cli's command line, run as users run it: the built binary in a
// child process, checked on its exit status, stdout and stderr. Usage errors
// must exit 64 with one line, before any call.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_process.h"
#include "tests/client/fake_lipsync_service.h"

namespace lipsync::client {
namespace {

using ::lipsync::client::testing::FakeLipSyncService;
using ::lipsync::client::testing::FakeServer;
using ::lipsync::client::testing::kExitUsage;
using ::lipsync::client::testing::ProcessOptions;
using ::lipsync::client::testing::ProcessResult;
using ::lipsync::client::testing::RunCli;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// Exactly one line.
::testing::Matcher<const std::string&> OneLine() {
  return MatchesRegex("[^\n]+\n");
}

// A loopback port nobody listens on (a fake server that is shut down).
std::string DeadTarget() {
  FakeLipSyncService service;
  return FakeServer(&service).target();
}

TEST(CliUsageTest, NoArgumentsPrintsTheOverviewAndFails) {
  const ProcessResult r = RunCli({});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("identify"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(CliUsageTest, HelpTeachesTheWorkflow) {
  for (const char* help : {"help", "--help", "-h"}) {
    const ProcessResult r = RunCli({help});
    EXPECT_EQ(r.exit_code, 0) << help;
    EXPECT_THAT(r.out,
                AllOf(HasSubstr("lipsync-cli identify --video_url="),
                      HasSubstr("lipsync-cli create --session_id="),
                      HasSubstr("lipsync-cli watch --task_id="),
                      HasSubstr("lipsync-cli run "), HasSubstr("Exit status")));
  }
}

TEST(CliUsageTest, HelpForEachSubcommand) {
  for (const char* name :
       {"identify", "create", "watch", "get", "list", "run"}) {
    ProcessResult r = RunCli({"help", name});
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_THAT(r.out, StartsWith(absl::StrCat("usage: lipsync-cli ", name)));
    EXPECT_THAT(r.out, HasSubstr("Example:"));
    r = RunCli({name, "--help"});
    EXPECT_EQ(r.exit_code, 0) << name;
    EXPECT_THAT(r.out, StartsWith(absl::StrCat("usage: lipsync-cli ", name)));
  }
}

struct UsageCase {
  const char* name;
  std::vector<std::string> args;
  const char* message;
};

class CliUsageErrorTest : public ::testing::TestWithParam<UsageCase> {};

// Every usage error: exit 64, one clear line on stderr, nothing on stdout,
// and no call (the target is dead, so a call would exit 14 instead).
TEST_P(CliUsageErrorTest, ExitsWithUsageAndOneLine) {
  std::vector<std::string> args = GetParam().args;
  if (args.size() > 0 && args[0] != "foo") {
    args.push_back(absl::StrCat("--target=", DeadTarget()));
  }
  const ProcessResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
  EXPECT_THAT(r.err, OneLine());
  EXPECT_THAT(r.err, HasSubstr(GetParam().message));
  EXPECT_THAT(r.out, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliUsageErrorTest,
    ::testing::Values(
        UsageCase{"CreateWithoutAudio",
                  {"create", "--session_id=1", "--face_id=0",
                   "--sound_end_time=3000"},
                  "lipsync-cli create: give the audio with one of "
                  "--audio_file, --audio_id, --audio_url"},
        UsageCase{
            "CreateWithTwoAudios",
            {"create", "--session_id=1", "--face_id=0", "--sound_end_time=3000",
             "--audio_id=a", "--audio_url=https://x/a.mp3"},
            "only one of --audio_file, --audio_id, --audio_url"},
        UsageCase{"CreateWithoutEndTime",
                  {"create", "--session_id=1", "--face_id=0", "--audio_id=a"},
                  "--sound_end_time is required"},
        UsageCase{
            "CreateWithoutSession",
            {"create", "--face_id=0", "--audio_id=a", "--sound_end_time=3000"},
            "--session_id is required"},
        UsageCase{
            "IdentifyWithoutVideo", {"identify"}, "--video_id or --video_url"},
        UsageCase{"IdentifyWithTwoVideos",
                  {"identify", "--video_id=1", "--video_url=https://x/v.mp4"},
                  "only one of --video_id and --video_url"},
        UsageCase{"GetWithoutTask", {"get"}, "--task_id or --external_task_id"},
        UsageCase{"WatchWithTwoTasks",
                  {"watch", "--task_id=1", "--external_task_id=2"},
                  "only one of --task_id and --external_task_id"},
        UsageCase{"RunWithoutVideo",
                  {"run", "--audio_id=a", "--sound_end_time=3000"},
                  "lipsync-cli run: give the video"},
        UsageCase{"RunWithNegativeFace",
                  {"run", "--video_id=v", "--audio_id=a",
                   "--sound_end_time=3000", "--face_index=-1"},
                  "--face_index must be >= 0"},
        UsageCase{"FlagOfAnotherSubcommand",
                  {"get", "--task_id=1", "--wait"},
                  "get takes no --wait"},
        UsageCase{"UnknownFlag", {"list", "--colour"}, "unknown flag --colour"},
        UsageCase{"BadValue",
                  {"create", "--sound_end_time=5s"},
                  "bad value '5s' for --sound_end_time"},
        UsageCase{"BadTimeout",
                  {"get", "--task_id=1", "--timeout=0s"},
                  "--timeout must be positive"},
        UsageCase{"CertWithoutTls",
                  {"get", "--task_id=1", "--ca_cert=ca.pem"},
                  "need --tls"},
        UsageCase{"Positional", {"get", "7"}, "unexpected argument '7'"},
        UsageCase{"UnknownSubcommand", {"foo"}, "no subcommand 'foo'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CliLocalErrorTest, MissingAudioFileIsNotFoundBeforeAnyCall) {
  const ProcessResult r =
      RunCli({"create", "--session_id=1", "--face_id=0",
              "--sound_end_time=3000", "--audio_file=/nonexistent/a.mp3",
              absl::StrCat("--target=", DeadTarget())});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_THAT(r.err, HasSubstr("error: NOT_FOUND: cannot open "
                               "/nonexistent/a.mp3"));
}

TEST(CliLocalErrorTest, AudioFromAnEmptyStdinIsRefused) {
  // RunProcess gives the child /dev/null as stdin.
  const ProcessResult r = RunCli({"create", "--session_id=1", "--face_id=0",
                                  "--sound_end_time=3000", "--audio_file=-",
                                  absl::StrCat("--target=", DeadTarget())});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("audio file - is empty"));
}

TEST(CliLocalErrorTest, AudioOverFiveMebibytesIsRefusedLocally) {
  const std::string path = "/tmp/lipsync_cli_binary_big.mp3";
  std::ofstream(path, std::ios::binary)
      << std::string(5 * 1024 * 1024 + 1, 'x');
  const ProcessResult r =
      RunCli({"run", "--video_id=v", "--sound_end_time=3000",
              absl::StrCat("--audio_file=", path),
              absl::StrCat("--target=", DeadTarget())});
  std::remove(path.c_str());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("at most 5242880 bytes"));
}

TEST(CliLocalErrorTest, UnreachableGatewayIsUnavailableWithAHint) {
  const std::string target = DeadTarget();
  const ProcessResult r =
      RunCli({"get", "--task_id=1", absl::StrCat("--target=", target)});
  EXPECT_EQ(r.exit_code, 14);
  EXPECT_THAT(r.err, StartsWith("error: UNAVAILABLE: "));
  EXPECT_THAT(r.err,
              HasSubstr(absl::StrCat("is the gateway running at ", target)));
}

TEST(CliLocalErrorTest, WarnsBeforeSendingATokenInPlaintextOffTheHost) {
  ProcessOptions options;
  options.set_env["LIPSYNC_TOKEN"] = "t";
  // TEST-NET-1: unroutable, so the call itself just times out.
  const ProcessResult r = RunCli(
      {"get", "--task_id=1", "--target=192.0.2.1:1", "--timeout=1s"}, options);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, StartsWith("warning: sending the bearer token to "
                                "192.0.2.1:1 without TLS"));
}

TEST(CliLocalErrorTest, TargetComesFromTheEnvironment) {
  const std::string target = DeadTarget();
  ProcessOptions options;
  options.set_env["LIPSYNC_TARGET"] = target;
  const ProcessResult r = RunCli({"get", "--task_id=1"}, options);
  EXPECT_EQ(r.exit_code, 14);
  EXPECT_THAT(r.err, HasSubstr(target));
}

}  // namespace
}  // namespace lipsync::client

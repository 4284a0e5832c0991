// The parts of lipsync-cli that need no process: flag scanning, request
// building, output formatting.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "client/cli/command_line.h"
#include "client/cli/create_request.h"
#include "client/cli/flags.h"
#include "client/cli/output.h"
#include "client/cli/watch_printer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lipsync::client::cli {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<std::string> kGetFlags = {"target", "json", "timeout",
                                            "task_id", "external_task_id"};

class ScanFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // Each test leaves the global flags as found.
};

TEST_F(ScanFlagsTest, SetsTheFlagsInEveryAbslSyntax) {
  auto scanned =
      ScanFlags({"--task_id=7", "-target", "h:1", "--json", "--timeout", "5s"},
                kGetFlags, "get");
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  EXPECT_FALSE(scanned->help);
  EXPECT_TRUE(scanned->positional.empty());
  EXPECT_EQ(absl::GetFlag(FLAGS_task_id), "7");
  EXPECT_EQ(absl::GetFlag(FLAGS_target), "h:1");
  EXPECT_TRUE(absl::GetFlag(FLAGS_json));
  EXPECT_EQ(absl::GetFlag(FLAGS_timeout), absl::Seconds(5));
}

TEST_F(ScanFlagsTest, NegatedBool) {
  ASSERT_TRUE(ScanFlags({"--json", "--nojson"}, kGetFlags, "get").ok());
  EXPECT_FALSE(absl::GetFlag(FLAGS_json));
}

TEST_F(ScanFlagsTest, ReportsHelpAndPositionals) {
  auto scanned =
      ScanFlags({"extra", "--help", "--", "--task_id=1"}, kGetFlags, "get");
  ASSERT_TRUE(scanned.ok());
  EXPECT_TRUE(scanned->help);
  EXPECT_THAT(scanned->positional, ElementsAre("extra", "--task_id=1"));
}

struct BadArgs {
  std::vector<std::string> args;
  const char* message;
};

class ScanFlagsRefusesTest : public ::testing::TestWithParam<BadArgs> {
 protected:
  absl::FlagSaver saver_;
};

TEST_P(ScanFlagsRefusesTest, WithOneLine) {
  auto scanned = ScanFlags(GetParam().args, kGetFlags, "get");
  EXPECT_EQ(scanned.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(scanned.status().message(), HasSubstr(GetParam().message));
  EXPECT_EQ(scanned.status().message().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScanFlagsRefusesTest,
    ::testing::Values(
        BadArgs{{"--no_such_flag=1"}, "unknown flag --no_such_flag"},
        BadArgs{{"--session_id=1"}, "get takes no --session_id"},
        BadArgs{{"--timeout=soon"}, "bad value 'soon' for --timeout"},
        BadArgs{{"--timeout"}, "--timeout needs a value"},
        BadArgs{{"--nojson=1"}, "--nojson takes no value"},
        BadArgs{{"--json=maybe"}, "bad value 'maybe' for --json"}));

class CreateRequestTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;
};

TEST_F(CreateRequestTest, NeedsExactlyOneAudioSource) {
  absl::SetFlag(&FLAGS_session_id, "s");
  absl::SetFlag(&FLAGS_face_id, "f");
  absl::SetFlag(&FLAGS_sound_end_time, 3000);
  EXPECT_THAT(ReadCreateArgs(true).status().message(),
              HasSubstr("one of --audio_file, --audio_id, --audio_url"));
  absl::SetFlag(&FLAGS_audio_id, "a");
  absl::SetFlag(&FLAGS_audio_url, "https://x/a.mp3");
  EXPECT_THAT(ReadCreateArgs(true).status().message(),
              HasSubstr("only one of"));
}

TEST_F(CreateRequestTest, NeedsSessionFaceAndEndTime) {
  absl::SetFlag(&FLAGS_audio_id, "a");
  EXPECT_THAT(ReadCreateArgs(true).status().message(),
              HasSubstr("--session_id is required"));
  absl::SetFlag(&FLAGS_session_id, "s");
  EXPECT_THAT(ReadCreateArgs(true).status().message(),
              HasSubstr("--face_id is required"));
  absl::SetFlag(&FLAGS_face_id, "f");
  EXPECT_THAT(ReadCreateArgs(true).status().message(),
              HasSubstr("--sound_end_time is required"));
  // `run` finds the session and the face itself.
  absl::SetFlag(&FLAGS_session_id, "");
  absl::SetFlag(&FLAGS_sound_end_time, 3000);
  EXPECT_TRUE(ReadCreateArgs(false).ok());
}

TEST_F(CreateRequestTest, BuildsTheRequestFromTheFlags) {
  absl::SetFlag(&FLAGS_session_id, "s1");
  absl::SetFlag(&FLAGS_face_id, "f1");
  absl::SetFlag(&FLAGS_audio_url, "https://example.com/a.mp3");
  absl::SetFlag(&FLAGS_sound_end_time, 4000);
  absl::SetFlag(&FLAGS_sound_volume, 1.5);
  absl::SetFlag(&FLAGS_watermark, true);
  absl::SetFlag(&FLAGS_request_id, "key-1");
  auto args = ReadCreateArgs(true);
  ASSERT_TRUE(args.ok()) << args.status();
  auto request = BuildCreateRequest(*args);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->session_id(), "s1");
  ASSERT_EQ(request->face_choose_size(), 1);
  const v1::FaceChoose& face = request->face_choose(0);
  EXPECT_EQ(face.face_id(), "f1");
  EXPECT_EQ(face.sound_file(), "https://example.com/a.mp3");
  EXPECT_TRUE(face.sound_file_bytes().empty());
  EXPECT_EQ(face.sound_start_time(), 0);
  EXPECT_EQ(face.sound_end_time(), 4000);
  EXPECT_FALSE(face.has_sound_insert_time());  // Each subcommand decides.
  EXPECT_EQ(face.sound_volume(), 1.5);
  EXPECT_TRUE(face.has_original_audio_volume());
  EXPECT_EQ(face.original_audio_volume(), 1.0);
  EXPECT_TRUE(request->watermark_info().enabled());
  EXPECT_EQ(request->request_id(), "key-1");
}

TEST_F(CreateRequestTest, SendsAnAudioFileAsBytes) {
  const std::string path = "/tmp/lipsync_cli_pieces_audio.wav";
  std::ofstream(path, std::ios::binary) << "RIFFdata";
  CreateArgs args;
  args.audio_source = AudioSource::kFile;
  args.audio = path;
  auto request = BuildCreateRequest(args);
  std::remove(path.c_str());
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->face_choose(0).sound_file_bytes(), "RIFFdata");
  EXPECT_TRUE(request->face_choose(0).sound_file().empty());
}

TEST_F(CreateRequestTest, RefusesAnEmptyAudioFile) {
  CreateArgs args;
  args.audio_source = AudioSource::kFile;
  args.audio = "/dev/null";
  EXPECT_THAT(BuildCreateRequest(args).status().message(),
              HasSubstr("is empty"));
}

TEST(OutputTest, Formats) {
  EXPECT_EQ(FormatMillis(1250), "1.250s");
  EXPECT_EQ(FormatMillis(0), "0.000s");
  EXPECT_EQ(FormatMillis(-5), "-0.005s");
  EXPECT_EQ(FormatEpochMillis(0), "-");
  EXPECT_EQ(FormatEpochMillis(1714564800000), "2024-05-01 12:00:00 UTC");
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(4200)), "4.2s");
  EXPECT_EQ(FormatElapsed(absl::Seconds(125)), "2m05s");
  EXPECT_EQ(FormatElapsed(absl::Minutes(62)), "1h02m");
}

TEST(OutputTest, JsonUsesProtoFieldNamesOnOneLine) {
  v1::LipSyncTask task;
  task.set_task_id("1");
  task.set_task_status(v1::TASK_STATUS_SUCCEED);
  task.mutable_task_info()->set_external_task_id("mine");
  const std::string json = ToJsonLine(task);
  EXPECT_THAT(json, HasSubstr("\"task_id\":\"1\""));
  EXPECT_THAT(json, HasSubstr("\"task_status\":\"TASK_STATUS_SUCCEED\""));
  EXPECT_THAT(json, HasSubstr("\"external_task_id\":\"mine\""));
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(WatchPrinterTest, LineShowsElapsedStatusAndResult) {
  v1::LipSyncTask task;
  task.set_task_id("8391");
  task.set_task_status(v1::TASK_STATUS_PROCESSING);
  EXPECT_EQ(WatchPrinter::FormatLine(task, absl::Milliseconds(12400)),
            "+12.4s   task 8391  processing");
  task.set_task_status(v1::TASK_STATUS_SUCCEED);
  task.mutable_task_result()->add_videos()->set_url("https://x/v.mp4");
  EXPECT_EQ(WatchPrinter::FormatLine(task, absl::Seconds(75)),
            "+1m15s   task 8391  succeed  https://x/v.mp4");
  task.set_task_status(v1::TASK_STATUS_FAILED);
  task.set_task_status_msg("audio\x1b[2J too short");
  EXPECT_EQ(WatchPrinter::FormatLine(task, absl::Seconds(3)),
            "+3.0s    task 8391  failed: audio\\x1b[2J too short");
}

TEST(WatchPrinterTest, RewritesOneLineOnATerminal) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  const absl::Time start = absl::FromUnixSeconds(1000);
  {
    WatchPrinter printer(out, WatchPrinter::Mode::kUpdateLine, start);
    v1::LipSyncTask task;
    task.set_task_id("1");
    task.set_task_status(v1::TASK_STATUS_SUBMITTED);
    printer.Update(task, start + absl::Seconds(1));
    task.set_task_status(v1::TASK_STATUS_SUCCEED);
    printer.Update(task, start + absl::Seconds(2));
  }
  std::fclose(out);
  EXPECT_EQ(std::string(buffer, size),
            "\r\033[K+1.0s    task 1  submitted"
            "\r\033[K+2.0s    task 1  succeed\n");
  std::free(buffer);
}

TEST(WatchPrinterTest, OneLinePerChangeInAPipe) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  const absl::Time start = absl::FromUnixSeconds(1000);
  {
    WatchPrinter printer(out, WatchPrinter::Mode::kLines, start);
    v1::LipSyncTask task;
    task.set_task_id("1");
    task.set_task_status(v1::TASK_STATUS_SUBMITTED);
    printer.Update(task, start);
    task.set_task_status(v1::TASK_STATUS_PROCESSING);
    printer.Update(task, start + absl::Seconds(1));
  }
  std::fclose(out);
  EXPECT_EQ(std::string(buffer, size),
            "+0.0s    task 1  submitted\n+1.0s    task 1  processing\n");
  std::free(buffer);
}

}  // namespace
}  // namespace lipsync::client::cli

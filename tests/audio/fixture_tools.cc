#include "tests/audio/fixture_tools.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lipsync::audio::testing {
namespace {

std::string ShellQuote(absl::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

struct DirRemover {
  std::string path;
  ~DirRemover() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

std::string MissingFixtureTools() {
  std::string missing;
  for (const char* tool : {"sox", "ffmpeg", "ffprobe"}) {
    if (!RunCommand(absl::StrCat("command -v ", tool)).ok()) {
      absl::StrAppend(&missing, missing.empty() ? "" : ", ", tool);
    }
  }
  if (missing.empty() &&
      !RunCommand("sox -h 2>/dev/null | grep -q 'AUDIO FILE FORMATS:.* mp3'")
           .ok()) {
    missing = "sox MP3 support";
  }
  if (missing.empty()) return "";
  return absl::StrCat("missing ", missing,
                      "; these tests generate their fixtures with them: "
                      "apt-get install -y --no-install-recommends sox "
                      "libsox-fmt-mp3 ffmpeg");
}

const std::string& FixtureDir() {
  // A function-local static: created on first use, removed at exit.
  static const DirRemover dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(base != nullptr ? base : "/tmp", "/audio_fixtures_XXXXXX");
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) return DirRemover{};
    return DirRemover{buffer.data()};
  }();
  return dir.path;
}

absl::StatusOr<std::string> RunCommand(const std::string& command) {
  const std::string err_path = absl::StrCat(
      FixtureDir().empty() ? "/tmp" : FixtureDir(), "/stderr_", getpid());
  const std::string full =
      absl::StrCat("( ", command, " ) 2>", ShellQuote(err_path));
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen failed");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  const int status = pclose(pipe);
  if (status == 0) return out;
  std::string err = ReadWholeFile(err_path).value_or("");
  return absl::InternalError(absl::StrCat("`", command, "` exited with ",
                                          WEXITSTATUS(status), ": ", err));
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<double> FfprobeFormatDuration(const std::string& path) {
  absl::StatusOr<std::string> out = RunCommand(absl::StrCat(
      "ffprobe -v error -show_entries format=duration -of csv=p=0 ",
      ShellQuote(path)));
  if (!out.ok()) return out.status();
  double seconds = 0;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(*out), &seconds)) {
    return absl::InternalError(absl::StrCat("ffprobe said: ", *out));
  }
  return seconds;
}

absl::StatusOr<double> FfprobePacketDuration(const std::string& path) {
  absl::StatusOr<std::string> out = RunCommand(absl::StrCat(
      "ffprobe -v error -select_streams a:0 -show_entries packet=duration_time "
      "-of csv=p=0 ",
      ShellQuote(path)));
  if (!out.ok()) return out.status();
  double total = 0;
  for (absl::string_view line : absl::StrSplit(*out, '\n', absl::SkipEmpty())) {
    double seconds = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(line), &seconds)) {
      return absl::InternalError(absl::StrCat("ffprobe said: ", line));
    }
    total += seconds;
  }
  return total;
}

}  // namespace lipsync::audio::testing

#ifndef LIPSYNC_TESTS_AUDIO_FIXTURE_TOOLS_H_
#define LIPSYNC_TESTS_AUDIO_FIXTURE_TOOLS_H_

// Generates audio fixtures with Debian's sox and ffmpeg at test time, and asks
// ffprobe for an independent measure of their duration.
// Needs: apt-get install sox libsox-fmt-mp3 ffmpeg

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::audio::testing {

// Empty when sox, ffmpeg and ffprobe are all on PATH (and sox can write
// MP3), else a message naming what is missing and how to install it.
std::string MissingFixtureTools();

// A directory private to this test process, removed at exit.
const std::string& FixtureDir();

// Runs `command` with /bin/sh -c; returns its stdout, or an error carrying
// the exit status and stderr.
absl::StatusOr<std::string> RunCommand(const std::string& command);

absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// ffprobe's container-level duration, in seconds:
//   ffprobe -v error -show_entries format=duration -of csv=p=0 <path>
absl::StatusOr<double> FfprobeFormatDuration(const std::string& path);

// The sum of ffprobe's packet durations for the first audio stream, in
// seconds. For raw ADTS ffprobe has no header to read and its format
// duration is an estimate from the bitrate (measured 0.7% off, over 400 ms on
// 60 s), so the packets are the honest witness there.
absl::StatusOr<double> FfprobePacketDuration(const std::string& path);

}  // namespace lipsync::audio::testing

#endif  // LIPSYNC_TESTS_AUDIO_FIXTURE_TOOLS_H_

#ifndef LIPSYNC_SERVICE_AUDIO_PARSE_ERROR_H_
#define LIPSYNC_SERVICE_AUDIO_PARSE_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lipsync::audio {

// The one message every parser and the sniffer use for bytes that are none of
// the accepted containers. Callers (and tests) may match on it.
inline constexpr absl::string_view kNotRecognisedMessage =
    "not a recognised audio container; accepted: WAV, MP3, M4A, AAC (ADTS)";

// INVALID_ARGUMENT "truncated <container>: <detail>": the bytes end before
// something the container promised.
absl::Status TruncatedError(absl::string_view container,
                            absl::string_view detail);

// INVALID_ARGUMENT "corrupt <container>: <detail>": the bytes are all there
// but contradict the container's rules.
absl::Status CorruptError(absl::string_view container,
                          absl::string_view detail);

// INVALID_ARGUMENT kNotRecognisedMessage, with "(<detail>)" appended when
// `detail` is not empty.
absl::Status NotRecognisedError(absl::string_view detail = "");

// A FourCC (or any short tag) quoted for an error message, with
// non-printable bytes shown as '.', so attacker bytes never reach logs raw.
std::string QuoteTag(absl::string_view tag);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_PARSE_ERROR_H_

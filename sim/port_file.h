#ifndef LIPSYNC_SIM_PORT_FILE_H_
#define LIPSYNC_SIM_PORT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace kling_sim {

// Writes `port` (decimal, then a newline) to `path` atomically: a temporary
// file beside it, then rename(2), so a test polling for the file never reads
// a half-written number.
absl::Status WritePortFileAtomically(const std::string& path, int port);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_PORT_FILE_H_

// Bytes as an absl::Cord of `piece`-byte chunks, the way the gateway holds
// what gRPC received in slices. Header-only, so that unit tests of any layer
// (and the fuzz targets) use it without linking the harness.
#ifndef LIPSYNC_TESTS_SUPPORT_CORD_PIECES_H_
#define LIPSYNC_TESTS_SUPPORT_CORD_PIECES_H_

#include <cstddef>

#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace lipsync::testing {

// Each chunk references `bytes` (not copied), which must outlive the Cord.
inline absl::Cord CordInPieces(absl::string_view bytes, std::size_t piece) {
  absl::Cord cord;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    cord.Append(absl::MakeCordFromExternal(bytes.substr(at, piece), [] {}));
  }
  return cord;
}

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_CORD_PIECES_H_

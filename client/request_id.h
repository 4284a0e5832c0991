// Idempotency keys for CreateLipSyncTask.request_id.
#ifndef LIPSYNC_CLIENT_REQUEST_ID_H_
#define LIPSYNC_CLIENT_REQUEST_ID_H_

#include <string>

#include "absl/random/bit_gen_ref.h"

namespace lipsync::client {

// A random UUID version 4 (RFC 4122), lower case, e.g.
// "3f2b8c1e-9d4a-4f6b-8e2d-1a7c5b9e0f34": 36 characters, all within the
// gateway's request_id alphabet. `gen` is injected so tests can fix it;
// callers pass an absl::BitGen.
std::string NewRequestId(absl::BitGenRef gen);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_REQUEST_ID_H_

#include "tests/support/seed_requests.h"

#include <cstdio>
#include <cstdlib>

#include "google/protobuf/util/json_util.h"

namespace lipsync::testing {

kling::lipsync::v1::CreateLipSyncTaskRequest SeedRequest() {
  kling::lipsync::v1::CreateLipSyncTaskRequest request;
  const auto status =
      google::protobuf::util::JsonStringToMessage(kSeedRequestJson, &request);
  if (!status.ok()) {
    std::fprintf(stderr, "kSeedRequestJson does not parse: %s\n",
                 status.ToString().c_str());
    std::abort();
  }
  return request;
}

}  // namespace lipsync::testing

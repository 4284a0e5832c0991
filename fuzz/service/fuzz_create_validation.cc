// libFuzzer: arbitrary bytes as a CreateLipSyncTaskRequest (wire format) run
// through every create rule, the audio sniffer and the body builder. None may
// crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/translate/create_body.h"
#include "service/validation/audio_content_rules.h"
#include "service/validation/create_request_validator.h"
#include "service/validation/session_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kling::lipsync::v1::CreateLipSyncTaskRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  lipsync::FieldViolations violations =
      lipsync::validation::ValidateCreateRequest(request);
  lipsync::validation::ValidateAgainstSession(
      request, {{"-1", 0, 5000}, {"7", 1000, 60000}});
  if (violations.empty()) {
    lipsync::validation::ValidateAudioContent(request);
    lipsync::translate::BuildCreateTaskBody(request);
  }
  return 0;
}

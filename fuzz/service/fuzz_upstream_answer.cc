// libFuzzer: arbitrary bytes as an upstream HTTP answer body, through the
// envelope parser and every answer translator (create, task, list, identify).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"
#include "service/translate/envelope.h"
#include "service/translate/task_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the HTTP status, so both paths get exercised.
  const int statuses[] = {200, 400, 401, 404, 429, 500, 502, 503};
  const int http_status = statuses[data[0] % 8];
  absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto envelope =
      lipsync::translate::ParseEnvelope(http_status, body, std::nullopt);
  if (!envelope.ok()) return 0;
  (void)lipsync::translate::ParseCreateAnswer(*envelope);
  (void)lipsync::translate::ParseTaskAnswer(*envelope);
  (void)lipsync::translate::ParseListAnswer(*envelope, 30);
  (void)lipsync::translate::ParseIdentifyAnswer(*envelope);
  return 0;
}

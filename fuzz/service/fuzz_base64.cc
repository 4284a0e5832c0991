// libFuzzer: the Base64 codec. Decoding arbitrary text never crashes, and
// whatever decodes re-encodes to the same text; encoding round-trips; every
// SIMD level this CPU runs encodes exactly as the portable encoder.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "service/common/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto decoded = lipsync::Base64Decode(input);
  if (decoded.ok() && lipsync::Base64Encode(*decoded) != input) std::abort();
  auto size_only = lipsync::Base64DecodedSize(input);
  if (size_only.ok() != decoded.ok()) std::abort();
  const std::string encoded = lipsync::Base64Encode(input);
  auto back = lipsync::Base64Decode(encoded);
  if (!back.ok() || *back != input) std::abort();
  std::string portable(encoded.size(), '\0');
  lipsync::base64_internal::EncodeWithoutSimd(input, portable.data());
  for (auto level : {lipsync::base64_internal::SimdLevel::kSsse3,
                     lipsync::base64_internal::SimdLevel::kAvx2,
                     lipsync::base64_internal::SimdLevel::kAvx512Vbmi}) {
    if (!lipsync::base64_internal::CpuRuns(level)) continue;
    std::string simd(encoded.size(), '\0');
    lipsync::base64_internal::EncodeWith(level, input, simd.data());
    if (simd != portable) std::abort();
  }
  return 0;
}

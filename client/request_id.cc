#include "client/request_id.h"

#include <cstdint>

#include "absl/random/distributions.h"
#include "absl/strings/str_format.h"

namespace lipsync::client {

std::string NewRequestId(absl::BitGenRef gen) {
  uint64_t high = absl::Uniform<uint64_t>(gen);
  uint64_t low = absl::Uniform<uint64_t>(gen);
  // Version 4 in the top nibble of time_hi_and_version, variant 10xx in the
  // top bits of clock_seq (RFC 4122 §4.4).
  high = (high & ~uint64_t{0xf000}) | uint64_t{0x4000};
  low = (low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xffff, high & 0xffff, low >> 48,
                         low & 0xffffffffffffULL);
}

}  // namespace lipsync::client

// SIMD steps of the Base64 encoder (service/common/base64.h), one per x86-64
// instruction set, and the check of which ones this CPU runs. Each step
// function encodes whole input groups while a full vector load stays inside
// the input, writes 4 characters per 3 bytes consumed, and returns the bytes
// it consumed; the caller encodes the rest (and the padding) portably.
#ifndef LIPSYNC_SERVICE_COMMON_BASE64_SIMD_H_
#define LIPSYNC_SERVICE_COMMON_BASE64_SIMD_H_

#include <cstddef>
#include <cstdint>

namespace lipsync {
namespace base64_internal {

// RFC 4648 §4: A-Z a-z 0-9 + / (64 characters and a NUL).
inline constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Ordered from slowest to fastest; a CPU that runs a level may not run the
// ones above it, but always runs kPortable.
enum class SimdLevel {
  kPortable,    // no SIMD steps (also every non-x86-64 build)
  kSsse3,       // 12 bytes -> 16 characters per step
  kAvx2,        // 24 bytes -> 32 characters per step
  kAvx512Vbmi,  // 48 bytes -> 64 characters per step
};

const char* SimdLevelName(SimdLevel level);

// Whether this CPU (and OS) runs `level`'s instructions. Checked once.
bool CpuRuns(SimdLevel level);

// The fastest level CpuRuns.
SimdLevel FastestSimdLevel();

// Encodes with `level`'s steps (nothing for kPortable) and returns the input
// bytes consumed, a multiple of 3. The caller must have checked CpuRuns.
std::size_t EncodeSimdSteps(SimdLevel level, const uint8_t* in, std::size_t n,
                            char* out);

}  // namespace base64_internal
}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_BASE64_SIMD_H_

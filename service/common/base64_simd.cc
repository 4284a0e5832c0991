#include "service/common/base64_simd.h"

#include <array>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LIPSYNC_BASE64_X86 1
#endif

namespace lipsync {
namespace base64_internal {
namespace {

#ifdef LIPSYNC_BASE64_X86
// The SSSE3 and AVX2 steps follow W. Mula and D. Lemire, "Faster Base64
// Encoding and Decoding using AVX2 Instructions" (ACM TOW 2018): one shuffle
// spreads each 3-byte group b0 b1 b2 over a 32-bit lane as b1 b0 b2 b1, two
// multiplies move the four 6-bit fields of the lane into its four bytes, and
// a second shuffle maps each field to the offset of its character range. The
// AVX2 form runs the same 128-bit steps on two lanes at once.

// 0..51 -> 0, 52..61 -> 1..10, 62 -> 11, 63 -> 12; then 0..25 -> 13; the
// offset from field value to character, per range.
#define LIPSYNC_BASE64_RANGE_OFFSETS                                    \
  'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, \
      '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0
#define LIPSYNC_BASE64_SPREAD_GROUPS \
  1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10

__attribute__((target("ssse3"))) std::size_t EncodeSsse3(const uint8_t* in,
                                                         std::size_t n,
                                                         char* out) {
  const __m128i spread = _mm_setr_epi8(LIPSYNC_BASE64_SPREAD_GROUPS);
  const __m128i offsets = _mm_setr_epi8(LIPSYNC_BASE64_RANGE_OFFSETS);
  std::size_t done = 0;
  // Each load reads 16 bytes and uses 12.
  while (n - done >= 16) {
    const __m128i v = _mm_shuffle_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + done)), spread);
    const __m128i fields = _mm_or_si128(
        _mm_mulhi_epu16(_mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00)),
                        _mm_set1_epi32(0x04000040)),
        _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)),
                        _mm_set1_epi32(0x01000010)));
    __m128i range = _mm_subs_epu8(fields, _mm_set1_epi8(51));
    const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), fields);
    range = _mm_or_si128(range, _mm_and_si128(upper, _mm_set1_epi8(13)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out),
                     _mm_add_epi8(_mm_shuffle_epi8(offsets, range), fields));
    done += 12;
    out += 16;
  }
  return done;
}

__attribute__((target("avx2"))) std::size_t EncodeAvx2(const uint8_t* in,
                                                       std::size_t n,
                                                       char* out) {
  const __m256i spread = _mm256_setr_epi8(LIPSYNC_BASE64_SPREAD_GROUPS,
                                          LIPSYNC_BASE64_SPREAD_GROUPS);
  const __m256i offsets = _mm256_setr_epi8(LIPSYNC_BASE64_RANGE_OFFSETS,
                                           LIPSYNC_BASE64_RANGE_OFFSETS);
  std::size_t done = 0;
  // Bytes 0-11 go to the low lane, 12-23 to the high one; the second load
  // reads up to byte 27.
  while (n - done >= 28) {
    const __m128i lo =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + done));
    const __m128i hi =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + done + 12));
    const __m256i v = _mm256_shuffle_epi8(
        _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), spread);
    const __m256i fields = _mm256_or_si256(
        _mm256_mulhi_epu16(_mm256_and_si256(v, _mm256_set1_epi32(0x0fc0fc00)),
                           _mm256_set1_epi32(0x04000040)),
        _mm256_mullo_epi16(_mm256_and_si256(v, _mm256_set1_epi32(0x003f03f0)),
                           _mm256_set1_epi32(0x01000010)));
    __m256i range = _mm256_subs_epu8(fields, _mm256_set1_epi8(51));
    const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), fields);
    range =
        _mm256_or_si256(range, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(out),
        _mm256_add_epi8(_mm256_shuffle_epi8(offsets, range), fields));
    done += 24;
    out += 32;
  }
  return done;
}

// AVX-512 VBMI (W. Mula and D. Lemire, "Base64 encoding and decoding at
// almost the speed of a memory copy", SPE 2020): a byte permute spreads the
// 16 groups of 48 input bytes over 32-bit lanes as b1 b0 b2 b1 (little-endian:
// b0 in bits 8-15, b1 in bits 0-7 and 24-31, b2 in bits 16-23), one
// multishift extracts each 6-bit field into its own byte from bits 10, 4, 22
// and 16 of the lane, and a second permute looks each field up in the
// 64-character alphabet (it reads only the low 6 bits of each index).
struct SpreadTable {
  alignas(64) std::array<uint8_t, 64> index{};
  constexpr SpreadTable() {
    constexpr uint8_t kOrder[4] = {1, 0, 2, 1};
    for (int i = 0; i < 64; ++i) {
      index[i] = static_cast<uint8_t>(3 * (i / 4) + kOrder[i % 4]);
    }
  }
};
constexpr SpreadTable kSpread;

__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t
EncodeAvx512Vbmi(const uint8_t* in, std::size_t n, char* out) {
  const __m512i spread = _mm512_load_si512(kSpread.index.data());
  const __m512i alphabet = _mm512_loadu_si512(kStandardAlphabet);
  // Per 64-bit element: the two lanes' field offsets 10, 4, 22, 16 and
  // 42, 36, 54, 48, one per output byte.
  const __m512i shifts = _mm512_set1_epi64(0x3036242a1016040a);
  std::size_t done = 0;
  // The zero-masking forms with every lane selected compile to the same
  // instructions; GCC 12 warns that the plain forms' undefined pass-through
  // operand "may be used uninitialized".
  constexpr __mmask64 kAll = ~__mmask64{0};
  // Each load reads 64 bytes and uses 48.
  while (n - done >= 64) {
    const __m512i groups = _mm512_maskz_permutexvar_epi8(
        kAll, spread, _mm512_loadu_si512(in + done));
    const __m512i fields =
        _mm512_maskz_multishift_epi64_epi8(kAll, shifts, groups);
    _mm512_storeu_si512(out,
                        _mm512_maskz_permutexvar_epi8(kAll, fields, alphabet));
    done += 48;
    out += 64;
  }
  return done;
}

#undef LIPSYNC_BASE64_RANGE_OFFSETS
#undef LIPSYNC_BASE64_SPREAD_GROUPS

struct CpuFeatures {
  bool ssse3 = false;
  bool avx2 = false;
  bool avx512_vbmi = false;
};

// __builtin_cpu_supports also checks that the OS saves the vector registers
// (XGETBV), so a level it reports is safe to run.
const CpuFeatures& Cpu() {
  static const CpuFeatures features = [] {
    __builtin_cpu_init();
    CpuFeatures f;
    f.ssse3 = __builtin_cpu_supports("ssse3") != 0;
    f.avx2 = __builtin_cpu_supports("avx2") != 0;
    f.avx512_vbmi = __builtin_cpu_supports("avx512f") != 0 &&
                    __builtin_cpu_supports("avx512bw") != 0 &&
                    __builtin_cpu_supports("avx512vbmi") != 0;
    return f;
  }();
  return features;
}
#endif  // LIPSYNC_BASE64_X86

}  // namespace

const char* SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kPortable:
      return "portable";
    case SimdLevel::kSsse3:
      return "ssse3";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512Vbmi:
      return "avx512vbmi";
  }
  return "unknown";
}

bool CpuRuns(SimdLevel level) {
#ifdef LIPSYNC_BASE64_X86
  switch (level) {
    case SimdLevel::kPortable:
      return true;
    case SimdLevel::kSsse3:
      return Cpu().ssse3;
    case SimdLevel::kAvx2:
      return Cpu().avx2;
    case SimdLevel::kAvx512Vbmi:
      return Cpu().avx512_vbmi;
  }
  return false;
#else
  return level == SimdLevel::kPortable;
#endif
}

SimdLevel FastestSimdLevel() {
  static const SimdLevel fastest = [] {
    for (SimdLevel level :
         {SimdLevel::kAvx512Vbmi, SimdLevel::kAvx2, SimdLevel::kSsse3}) {
      if (CpuRuns(level)) return level;
    }
    return SimdLevel::kPortable;
  }();
  return fastest;
}

std::size_t EncodeSimdSteps(SimdLevel level, const uint8_t* in, std::size_t n,
                            char* out) {
#ifdef LIPSYNC_BASE64_X86
  switch (level) {
    case SimdLevel::kPortable:
      return 0;
    case SimdLevel::kSsse3:
      return EncodeSsse3(in, n, out);
    case SimdLevel::kAvx2:
      return EncodeAvx2(in, n, out);
    case SimdLevel::kAvx512Vbmi:
      return EncodeAvx512Vbmi(in, n, out);
  }
#else
  (void)level;
  (void)in;
  (void)n;
  (void)out;
#endif
  return 0;
}

}  // namespace base64_internal
}  // namespace lipsync

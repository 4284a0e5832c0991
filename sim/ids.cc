#include "sim/ids.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kling_sim {
namespace {

// Leaves 10^17 ids of head room above a random start below 8 * 10^17, so the
// counter never reaches 19 digits.
constexpr uint64_t kDecimalBase = 700000000000000000ULL;
constexpr uint64_t kDecimalSpread = 100000000000000000ULL;

}  // namespace

IdGenerator::IdGenerator(uint64_t seed)
    : next_decimal_(kDecimalBase + seed % kDecimalSpread), nonce_(seed) {}

std::string IdGenerator::NextDecimalId() {
  return absl::StrCat(next_decimal_.fetch_add(1, std::memory_order_relaxed));
}

std::string IdGenerator::NextRequestId() {
  return absl::StrFormat("sim-%016x-%012d", nonce_,
                         next_request_.fetch_add(1, std::memory_order_relaxed));
}

uint64_t IdGenerator::MakeRandomSeed() {
  absl::BitGen gen;
  return absl::Uniform<uint64_t>(gen);
}

}  // namespace kling_sim

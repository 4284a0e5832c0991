#ifndef LIPSYNC_SIM_IDS_H_
#define LIPSYNC_SIM_IDS_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace kling_sim {

// Hands out the ids kling-sim answers with. Thread-safe.
//
// Kling's ids (session_id, task_id, video ids) are 18-digit decimal strings;
// this keeps that shape so that a client that wrongly parses them as doubles
// or int32 breaks here as it would in production. One counter serves every
// kind, so no two ids of a process are ever equal, even across /_sim/reset.
class IdGenerator {
 public:
  // `seed` makes two runs hand out different ids (see MakeRandomSeed()).
  explicit IdGenerator(uint64_t seed);

  // A fresh 18-digit decimal string, e.g. "734051118273645101".
  std::string NextDecimalId();
  // A fresh request id, e.g. "sim-5f1c0e9a2b3d4c6e-000000000001".
  std::string NextRequestId();

  static uint64_t MakeRandomSeed();

 private:
  std::atomic<uint64_t> next_decimal_;
  std::atomic<uint64_t> next_request_{1};
  const uint64_t nonce_;
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_IDS_H_

// Calls counted by gRPC status code.
#ifndef LIPSYNC_BENCH_LOADGEN_STATUS_COUNTS_H_
#define LIPSYNC_BENCH_LOADGEN_STATUS_COUNTS_H_

#include <grpcpp/support/status.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace lipsync::bench {

// Not thread-safe: one instance per writer, merged at the end.
class StatusCounts {
 public:
  void Add(grpc::StatusCode code);
  // Adds a count that is not a gRPC code (e.g. "OK_WITHOUT_TERMINAL").
  void AddOther(const std::string& name) { ++other_[name]; }
  void Merge(const StatusCounts& other);
  int64_t ok() const { return by_code_[0]; }
  int64_t total() const;
  // Non-zero counts by canonical name ("OK", "UNAVAILABLE", ...).
  std::map<std::string, int64_t> ByName() const;

 private:
  static constexpr int kCodes = 17;            // OK .. UNAUTHENTICATED
  std::array<int64_t, kCodes + 1> by_code_{};  // last: out of range
  std::map<std::string, int64_t> other_;
};

const char* StatusCodeName(grpc::StatusCode code);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_STATUS_COUNTS_H_

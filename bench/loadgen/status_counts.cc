#include "bench/loadgen/status_counts.h"

namespace lipsync::bench {

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "OUT_OF_RANGE_CODE";
  }
}

void StatusCounts::Add(grpc::StatusCode code) {
  const int i = static_cast<int>(code);
  ++by_code_[i >= 0 && i < kCodes ? i : kCodes];
}

void StatusCounts::Merge(const StatusCounts& other) {
  for (std::size_t i = 0; i < by_code_.size(); ++i) {
    by_code_[i] += other.by_code_[i];
  }
  for (const auto& [name, n] : other.other_) other_[name] += n;
}

int64_t StatusCounts::total() const {
  int64_t sum = 0;
  for (int64_t n : by_code_) sum += n;
  for (const auto& [name, n] : other_) sum += n;
  return sum;
}

std::map<std::string, int64_t> StatusCounts::ByName() const {
  std::map<std::string, int64_t> out = other_;
  for (int i = 0; i <= kCodes; ++i) {
    if (by_code_[i] == 0) continue;
    out[StatusCodeName(static_cast<grpc::StatusCode>(i))] += by_code_[i];
  }
  return out;
}

}  // namespace lipsync::bench

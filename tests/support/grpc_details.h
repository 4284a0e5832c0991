// Reads the google.rpc details that the gateway attaches to a grpc::Status.
#ifndef LIPSYNC_TESTS_SUPPORT_GRPC_DETAILS_H_
#define LIPSYNC_TESTS_SUPPORT_GRPC_DETAILS_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <set>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::testing {

template <typename Detail>
std::optional<Detail> FindDetail(const grpc::Status& status) {
  google::rpc::Status proto;
  if (!proto.ParseFromString(status.error_details())) return std::nullopt;
  for (const auto& any : proto.details()) {
    Detail detail;
    if (any.UnpackTo(&detail)) return detail;
  }
  return std::nullopt;
}

// The set of field paths in the status's BadRequest.
std::set<std::string> ViolatedFields(const grpc::Status& status);

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_GRPC_DETAILS_H_

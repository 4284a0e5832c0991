#include "service/server/grpc_status.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "service/common/status_details.h"

namespace lipsync::server {

grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view trace_id) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(std::string(status.message()));
  status.ForEachPayload([&proto, trace_id](absl::string_view type_url,
                                           const absl::Cord& payload) {
    // Only google.protobuf.Any-shaped payloads (type URLs) are details;
    // internal markers are not for callers.
    if (type_url.rfind("type.googleapis.com/", 0) != 0) return;
    auto* any = proto.add_details();
    any->set_type_url(std::string(type_url));
    if (!trace_id.empty() && type_url == kErrorInfoTypeUrl) {
      google::rpc::ErrorInfo info;
      if (info.ParseFromString(std::string(payload))) {
        (*info.mutable_metadata())["trace_id"] = std::string(trace_id);
        any->set_value(info.SerializeAsString());
        return;
      }
    }
    any->set_value(std::string(payload));
  });
  return grpc::Status(
      static_cast<grpc::StatusCode>(status.code()),
      std::string(status.message()),
      proto.details_size() > 0 ? proto.SerializeAsString() : "");
}

}  // namespace lipsync::server

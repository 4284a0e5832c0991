#include "client/client_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lipsync::client {
namespace {

// Matches a detail by its full message name rather than by the whole type URL,
// because the URL's host part is not significant (google.protobuf.Any).
bool HasTypeName(absl::string_view type_url, absl::string_view full_name) {
  return absl::EndsWith(type_url, full_name) &&
         (type_url.size() == full_name.size() ||
          type_url[type_url.size() - full_name.size() - 1] == '/');
}

void AddBadRequest(const google::rpc::BadRequest& proto, ClientError* error) {
  for (const auto& v : proto.field_violations()) {
    error->field_violations.push_back({v.field(), v.description()});
  }
}

void SetErrorInfo(const google::rpc::ErrorInfo& proto, ClientError* error) {
  ErrorInfo info;
  info.reason = proto.reason();
  info.domain = proto.domain();
  info.metadata.insert(proto.metadata().begin(), proto.metadata().end());
  error->error_info = std::move(info);
}

void SetRetryDelay(const google::rpc::RetryInfo& proto, ClientError* error) {
  error->retry_delay = absl::Seconds(proto.retry_delay().seconds()) +
                       absl::Nanoseconds(proto.retry_delay().nanos());
}

}  // namespace

std::string ClientError::Metadata(const std::string& key) const {
  if (!error_info) return "";
  auto it = error_info->metadata.find(key);
  return it == error_info->metadata.end() ? "" : it->second;
}

bool ClientError::IsUpstreamError() const {
  return error_info && error_info->domain == kUpstreamErrorDomain;
}

absl::Status StatusFromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  if (status.error_details().empty()) return result;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return result;
  for (const auto& any : details.details()) {
    result.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return result;
}

absl::Status WithTraceId(absl::Status status, absl::string_view trace_id) {
  if (!status.ok() && !trace_id.empty()) {
    status.SetPayload(kTraceIdPayloadKey, absl::Cord(trace_id));
  }
  return status;
}

ClientError ClientErrorFromStatus(const absl::Status& status) {
  ClientError error;
  error.code = status.code();
  error.message = std::string(status.message());
  status.ForEachPayload(
      [&error](absl::string_view type_url, const absl::Cord& payload) {
        const std::string bytes(payload);
        if (HasTypeName(type_url, "google.rpc.BadRequest")) {
          google::rpc::BadRequest proto;
          if (proto.ParseFromString(bytes)) AddBadRequest(proto, &error);
        } else if (HasTypeName(type_url, "google.rpc.ErrorInfo")) {
          google::rpc::ErrorInfo proto;
          if (proto.ParseFromString(bytes)) SetErrorInfo(proto, &error);
        } else if (HasTypeName(type_url, "google.rpc.RetryInfo")) {
          google::rpc::RetryInfo proto;
          if (proto.ParseFromString(bytes)) SetRetryDelay(proto, &error);
        } else if (type_url == kTraceIdPayloadKey) {
          error.trace_id = bytes;
        }
      });
  if (error.trace_id.empty()) error.trace_id = error.Metadata(kTraceIdKey);
  return error;
}

}  // namespace lipsync::client

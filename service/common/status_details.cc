#include "service/common/status_details.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace lipsync {
namespace {

template <typename Proto>
std::optional<Proto> GetPayload(const absl::Status& s, absl::string_view url) {
  auto payload = s.GetPayload(url);
  if (!payload) return std::nullopt;
  Proto proto;
  if (!proto.ParseFromString(std::string(*payload))) return std::nullopt;
  return proto;
}

}  // namespace

absl::Status InvalidRequestError(const FieldViolations& violations) {
  google::rpc::BadRequest bad_request;
  std::string message = violations.size() == 1
                            ? "invalid request: "
                            : absl::StrCat("invalid request (",
                                           violations.size(), " problems): ");
  for (std::size_t i = 0; i < violations.size(); ++i) {
    auto* v = bad_request.add_field_violations();
    v->set_field(violations[i].field);
    v->set_description(violations[i].description);
    absl::StrAppend(&message, i == 0 ? "" : "; ", violations[i].field, ": ",
                    violations[i].description);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  google::rpc::ErrorInfo info;
  info.set_reason("INVALID_REQUEST");
  info.set_domain(std::string(kGatewayErrorDomain));
  (*info.mutable_metadata())["violations"] = absl::StrCat(violations.size());
  return WithErrorInfo(std::move(status), info);
}

absl::Status WithErrorInfo(absl::Status status,
                           const google::rpc::ErrorInfo& info) {
  if (status.ok()) return status;
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  google::rpc::RetryInfo info;
  const int64_t ms = absl::ToInt64Milliseconds(delay);
  info.mutable_retry_delay()->set_seconds(ms / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(ms % 1000) *
                                        1000000);
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& s) {
  return GetPayload<google::rpc::BadRequest>(s, kBadRequestTypeUrl);
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& s) {
  return GetPayload<google::rpc::ErrorInfo>(s, kErrorInfoTypeUrl);
}

std::optional<absl::Duration> GetRetryDelay(const absl::Status& s) {
  auto info = GetPayload<google::rpc::RetryInfo>(s, kRetryInfoTypeUrl);
  if (!info) return std::nullopt;
  return absl::Seconds(info->retry_delay().seconds()) +
         absl::Nanoseconds(info->retry_delay().nanos());
}

}  // namespace lipsync

#include "service/translate/bad_answer.h"

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "service/common/status_details.h"
#include "service/translate/error_reasons.h"

namespace lipsync::translate {

absl::Status BadAnswerError(
    absl::string_view problem,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata) {
  google::rpc::ErrorInfo info;
  info.set_domain(std::string(kGatewayErrorDomain));
  info.set_reason(std::string(kReasonBadAnswer));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[std::string(key)] = value;
  }
  return WithErrorInfo(absl::InternalError(absl::StrCat(
                           "upstream answer unreadable: ", problem)),
                       info);
}

absl::Status AddErrorMetadata(absl::Status status, absl::string_view key,
                              absl::string_view value) {
  if (value.empty()) return status;
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  if (!info.has_value()) return status;
  (*info->mutable_metadata())[std::string(key)] = std::string(value);
  return WithErrorInfo(std::move(status), *info);
}

}  // namespace lipsync::translate

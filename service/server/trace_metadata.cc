#include "service/server/trace_metadata.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace lipsync::server {
namespace {

absl::string_view View(const grpc::string_ref& ref) {
  return absl::string_view(ref.data(), ref.size());
}

}  // namespace

TraceContext TraceFromMetadata(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  std::optional<absl::string_view> traceparent;
  auto parents = metadata.equal_range(
      grpc::string_ref(kTraceparentKey.data(), kTraceparentKey.size()));
  if (parents.first != parents.second &&
      std::next(parents.first) == parents.second) {
    traceparent = View(parents.first->second);
  }
  std::optional<absl::string_view> tracestate;
  std::string joined_tracestate;
  auto states = metadata.equal_range(
      grpc::string_ref(kTracestateKey.data(), kTracestateKey.size()));
  for (auto it = states.first; it != states.second; ++it) {
    if (!tracestate.has_value()) {
      tracestate = View(it->second);
      continue;
    }
    // Rare: only a repeated key costs an allocation.
    if (joined_tracestate.empty()) joined_tracestate = std::string(*tracestate);
    absl::StrAppend(&joined_tracestate, ",", View(it->second));
    tracestate = joined_tracestate;
  }
  std::optional<absl::string_view> request_id;
  auto ids = metadata.find(
      grpc::string_ref(kRequestIdKey.data(), kRequestIdKey.size()));
  if (ids != metadata.end()) request_id = View(ids->second);
  return TraceContext::FromCaller(traceparent, tracestate, request_id);
}

void AddTraceTrailers(const TraceContext& trace,
                      grpc::ServerContextBase* context) {
  if (!trace.has_trace()) return;
  context->AddTrailingMetadata(std::string(kTraceIdTrailerKey),
                               std::string(trace.trace_id()));
  context->AddTrailingMetadata(std::string(kTraceparentTrailerKey),
                               trace.Traceparent());
}

}  // namespace lipsync::server

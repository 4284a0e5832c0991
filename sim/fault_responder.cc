#include "sim/fault_responder.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace kling_sim {
namespace {

constexpr const char* kJson = "application/json";
constexpr size_t kHugeChunkBytes = 64 * 1024;

// How far past the real body a `reset` answer claims to go: big enough that
// no client can mistake the cut for the end.
constexpr size_t kResetExtraBytes = 1024 * 1024;

std::string MessageOr(const Fault& fault, const char* fallback) {
  return fault.message.empty() ? fallback : fault.message;
}

void SetStatusAndHeaders(const ApiAnswer& answer, httplib::Response& res) {
  res.status = answer.http_status;
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
}

// A body that is valid HTTP but not JSON: `{"code" 0, ...`.
std::string Malformed(std::string body) {
  const size_t colon = body.find(':');
  if (colon == std::string::npos) return "{\"code\" 0,,}";
  body[colon] = ' ';
  return body;
}

// `huge`: a syntactically valid envelope padded to `total` bytes, produced
// piece by piece so that 100 MB never sit in memory.
void WriteHuge(const Fault& fault, const ApiAnswer& answer,
               const absl::Notification* stopping, httplib::Response& res) {
  auto head = std::make_shared<std::string>(
      absl::StrCat("{\"code\":0,\"message\":\"SUCCEED\",\"request_id\":",
                   DumpJson(OrderedJson(answer.body.value("request_id", ""))),
                   ",\"data\":{\"padding\":\""));
  auto tail = std::make_shared<std::string>("\"}}");
  const size_t total = std::max<size_t>(static_cast<size_t>(fault.bytes),
                                        head->size() + tail->size());
  const size_t padding_end = total - tail->size();
  res.status = 200;
  res.set_content_provider(
      total, kJson,
      [head, tail, total, padding_end, stopping](size_t offset, size_t length,
                                                 httplib::DataSink& sink) {
        if (stopping->HasBeenNotified()) return false;
        if (offset < head->size()) {
          return sink.write(head->data() + offset, head->size() - offset);
        }
        if (offset < padding_end) {
          static const std::string kPadding(kHugeChunkBytes, 'x');
          return sink.write(kPadding.data(),
                            std::min(kHugeChunkBytes, padding_end - offset));
        }
        const size_t in_tail = offset - padding_end;
        return sink.write(tail->data() + in_tail, total - offset);
      });
}

// `slow_drip`: the real answer, one byte per call, `interval_ms` apart.
void WriteSlowDrip(const Fault& fault, const ApiAnswer& answer,
                   const absl::Notification* stopping, httplib::Response& res) {
  auto body = std::make_shared<std::string>(DumpJson(answer.body));
  const absl::Duration interval = absl::Milliseconds(fault.interval_ms);
  SetStatusAndHeaders(answer, res);
  res.set_content_provider(
      body->size(), kJson,
      [body, interval, stopping](size_t offset, size_t length,
                                 httplib::DataSink& sink) {
        if (offset > 0 && stopping->WaitForNotificationWithTimeout(interval)) {
          return false;
        }
        return sink.write(body->data() + offset, 1);
      });
}

// `reset`: promise more than is sent, send half, then fail the provider so
// that cpp-httplib closes the socket mid-body.
void WriteReset(const ApiAnswer& answer, httplib::Response& res) {
  auto body = std::make_shared<std::string>(DumpJson(answer.body));
  SetStatusAndHeaders(answer, res);
  res.set_content_provider(
      body->size() + kResetExtraBytes, kJson,
      [body](size_t offset, size_t length, httplib::DataSink& sink) {
        sink.write(body->data(), std::max<size_t>(1, body->size() / 2));
        return false;
      });
}

}  // namespace

void WriteAnswer(const ApiAnswer& answer, httplib::Response& res) {
  SetStatusAndHeaders(answer, res);
  res.set_content(DumpJson(answer.body), kJson);
}

ApiAnswer BeforeEffectAnswer(const Fault& fault,
                             const std::string& request_id) {
  if (fault.kind == FaultKind::kRateLimit) {
    ApiAnswer answer = ErrorAnswer(
        request_id, 429, kling_code::kRateTooHigh,
        MessageOr(fault, "request rate too high (simulated rate_limit)"));
    answer.headers.emplace_back("Retry-After",
                                absl::StrCat(fault.retry_after_s));
    return answer;
  }
  return ErrorAnswer(request_id, fault.http_status, fault.code,
                     MessageOr(fault, "simulated error"));
}

void WriteSpoiledAnswer(const Fault& fault, const ApiAnswer& answer,
                        const absl::Notification* stopping,
                        httplib::Response& res) {
  switch (fault.kind) {
    case FaultKind::kLatency:
      stopping->WaitForNotificationWithTimeout(absl::Milliseconds(fault.ms));
      WriteAnswer(answer, res);
      return;
    case FaultKind::kReset:
      WriteReset(answer, res);
      return;
    case FaultKind::kTruncatedJson: {
      const std::string body = DumpJson(answer.body);
      SetStatusAndHeaders(answer, res);
      res.set_content(body.substr(0, std::max<size_t>(1, body.size() / 2)),
                      kJson);
      return;
    }
    case FaultKind::kMalformedJson:
      SetStatusAndHeaders(answer, res);
      res.set_content(Malformed(DumpJson(answer.body)), kJson);
      return;
    case FaultKind::kCodeIn200: {
      ApiAnswer spoiled =
          ErrorAnswer(answer.body.value("request_id", ""), fault.http_status,
                      fault.code, MessageOr(fault, "simulated code_in_200"));
      WriteAnswer(spoiled, res);
      return;
    }
    case FaultKind::kEmptyBody:
      res.status = 200;
      res.set_content("", kJson);
      return;
    case FaultKind::kEmptyObject:
      res.status = 200;
      res.set_content("{}", kJson);
      return;
    case FaultKind::kHuge:
      WriteHuge(fault, answer, stopping, res);
      return;
    case FaultKind::kSlowDrip:
      WriteSlowDrip(fault, answer, stopping, res);
      return;
    case FaultKind::kHang:
    case FaultKind::kError:
    case FaultKind::kRateLimit:
      // Before-effect kinds never reach here; answer normally if they do.
      WriteAnswer(answer, res);
      return;
  }
}

}  // namespace kling_sim

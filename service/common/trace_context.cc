#include "service/common/trace_context.h"

#include <algorithm>

#include "absl/random/distributions.h"
#include "absl/random/random.h"

namespace lipsync {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Seeded once per thread from the OS; then a few nanoseconds per id.
absl::BitGen& ThreadBitGen() {
  thread_local absl::BitGen gen;
  return gen;
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// True when value[from, from + length) is lower-case hex, not all '0'.
bool IsNonZeroLowerHex(absl::string_view value, std::size_t from,
                       std::size_t length) {
  bool non_zero = false;
  for (std::size_t i = from; i < from + length; ++i) {
    if (!IsLowerHex(value[i])) return false;
    non_zero |= value[i] != '0';
  }
  return non_zero;
}

void WriteHex(uint64_t value, char* out) {
  for (int i = 15; i >= 0; --i) {
    out[i] = kHexDigits[value & 0xf];
    value >>= 4;
  }
}

// A random non-zero 64-bit value (zero ids are invalid in W3C).
uint64_t NonZeroRandom(absl::BitGenRef gen) {
  uint64_t value = 0;
  while (value == 0) value = absl::Uniform<uint64_t>(gen);
  return value;
}

}  // namespace

std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view value) {
  if (value.size() != kTraceparentLength) return std::nullopt;
  if (value[0] != '0' || value[1] != '0' || value[2] != '-' ||
      value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  if (!IsNonZeroLowerHex(value, 3, kTraceIdLength) ||
      !IsNonZeroLowerHex(value, 36, kSpanIdLength) || !IsLowerHex(value[53]) ||
      !IsLowerHex(value[54])) {
    return std::nullopt;
  }
  ParsedTraceparent parsed;
  std::copy_n(value.data() + 3, kTraceIdLength, parsed.trace_id.begin());
  std::copy_n(value.data() + 36, kSpanIdLength, parsed.parent_id.begin());
  parsed.flags =
      static_cast<uint8_t>(HexValue(value[53]) * 16 + HexValue(value[54]));
  return parsed;
}

bool IsBoundedPrintable(absl::string_view value, std::size_t max_length) {
  if (value.empty() || value.size() > max_length) return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

TraceContext TraceContext::FromCaller(
    std::optional<absl::string_view> traceparent,
    std::optional<absl::string_view> tracestate,
    std::optional<absl::string_view> x_request_id, absl::BitGenRef gen) {
  TraceContext context;
  std::optional<ParsedTraceparent> parsed;
  if (traceparent.has_value()) parsed = ParseTraceparent(*traceparent);
  if (parsed.has_value()) {
    context.trace_id_ = parsed->trace_id;
    context.flags_ = parsed->flags;
    if (tracestate.has_value() &&
        IsBoundedPrintable(*tracestate, kMaxTracestateLength)) {
      context.tracestate_ = std::string(*tracestate);
    }
  } else {
    WriteHex(NonZeroRandom(gen), context.trace_id_.data());
    WriteHex(absl::Uniform<uint64_t>(gen), context.trace_id_.data() + 16);
  }
  WriteHex(NonZeroRandom(gen), context.span_id_.data());
  context.has_trace_ = true;
  if (x_request_id.has_value() &&
      IsBoundedPrintable(*x_request_id, kMaxRequestIdLength)) {
    context.caller_request_id_ = std::string(*x_request_id);
  }
  return context;
}

TraceContext TraceContext::FromCaller(
    std::optional<absl::string_view> traceparent,
    std::optional<absl::string_view> tracestate,
    std::optional<absl::string_view> x_request_id) {
  return FromCaller(traceparent, tracestate, x_request_id, ThreadBitGen());
}

TraceContext TraceContext::NewTrace(absl::BitGenRef gen) {
  return FromCaller(std::nullopt, std::nullopt, std::nullopt, gen);
}

absl::string_view TraceContext::trace_id() const {
  if (!has_trace_) return {};
  return absl::string_view(trace_id_.data(), trace_id_.size());
}

absl::string_view TraceContext::span_id() const {
  if (!has_trace_) return {};
  return absl::string_view(span_id_.data(), span_id_.size());
}

absl::string_view TraceContext::upstream_request_id() const {
  if (!caller_request_id_.empty()) return caller_request_id_;
  return trace_id();
}

std::string TraceContext::Traceparent() const {
  if (!has_trace_) return {};
  return FormatTraceparent(trace_id(), span_id(), flags_);
}

std::string TraceContext::ChildTraceparent(absl::BitGenRef gen) const {
  if (!has_trace_) return {};
  char child[kSpanIdLength];
  WriteHex(NonZeroRandom(gen), child);
  return FormatTraceparent(trace_id(), absl::string_view(child, kSpanIdLength),
                           flags_);
}

std::string TraceContext::ChildTraceparent() const {
  return ChildTraceparent(ThreadBitGen());
}

std::string FormatTraceparent(absl::string_view trace_id,
                              absl::string_view span_id, uint8_t flags) {
  std::string out(kTraceparentLength, '-');
  out[0] = '0';
  out[1] = '0';
  std::copy_n(trace_id.data(), kTraceIdLength, out.begin() + 3);
  std::copy_n(span_id.data(), kSpanIdLength, out.begin() + 36);
  out[53] = kHexDigits[flags >> 4];
  out[54] = kHexDigits[flags & 0xf];
  return out;
}

}  // namespace lipsync

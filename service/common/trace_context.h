// W3C Trace Context (level 1) of one call: the trace it belongs to, the
// gateway's own span in it, and the caller's `tracestate` and `x-request-id`,
// passed on to the upstream and written on every log line of the call.
//
// Parsing and id generation are on every call's path: plain loops over
// fixed-size char arrays (no regex, no allocation for the ids), random ids
// from a thread-local absl::BitGen.
#ifndef LIPSYNC_SERVICE_COMMON_TRACE_CONTEXT_H_
#define LIPSYNC_SERVICE_COMMON_TRACE_CONTEXT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/strings/string_view.h"

namespace lipsync {

inline constexpr std::size_t kTraceIdLength = 32;
inline constexpr std::size_t kSpanIdLength = 16;
// "00-" + 32 + "-" + 16 + "-" + 2.
inline constexpr std::size_t kTraceparentLength = 55;
// A longer `tracestate` is dropped (W3C allows vendors to bound it; 512
// holds the 32 list members of typical vendor entries).
inline constexpr std::size_t kMaxTracestateLength = 512;
// A longer `x-request-id` is dropped.
inline constexpr std::size_t kMaxRequestIdLength = 128;

// gRPC metadata keys read from the caller (lower case, as gRPC delivers
// them) and header names sent upstream.
inline constexpr absl::string_view kTraceparentKey = "traceparent";
inline constexpr absl::string_view kTracestateKey = "tracestate";
inline constexpr absl::string_view kRequestIdKey = "x-request-id";
// Trailing metadata of every answer: the call's trace id (32 lower-case hex
// characters) and the gateway's own span as a traceparent.
inline constexpr absl::string_view kTraceIdTrailerKey = "trace-id";
inline constexpr absl::string_view kTraceparentTrailerKey = "traceparent";

// A level-1 traceparent's parts.
struct ParsedTraceparent {
  std::array<char, kTraceIdLength> trace_id;
  std::array<char, kSpanIdLength> parent_id;
  uint8_t flags = 0;
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>": exactly 55 characters, version 00
// (any other version, ff included, is refused), lower-case hex only, neither
// id all zeros. nullopt for anything else.
std::optional<ParsedTraceparent> ParseTraceparent(absl::string_view value);

// True when `value` is 1..max_length characters, each printable ASCII
// (0x20..0x7e): safe in a log line and an HTTP header.
bool IsBoundedPrintable(absl::string_view value, std::size_t max_length);

class TraceContext {
 public:
  // No trace (work that no caller started): every accessor is empty.
  TraceContext() = default;

  // The context of a call from its metadata (nullopt: key absent). A valid
  // `traceparent` keeps its trace id and flags; a missing or malformed one
  // starts a new trace (flags 00), and then `tracestate` is dropped, as W3C
  // asks of a restarted trace. `tracestate` and `x_request_id` are kept
  // unchanged when IsBoundedPrintable (kMaxTracestateLength,
  // kMaxRequestIdLength), else dropped. The gateway's span id is new.
  // Never fails.
  static TraceContext FromCaller(std::optional<absl::string_view> traceparent,
                                 std::optional<absl::string_view> tracestate,
                                 std::optional<absl::string_view> x_request_id,
                                 absl::BitGenRef gen);
  // As above, with the calling thread's generator.
  static TraceContext FromCaller(std::optional<absl::string_view> traceparent,
                                 std::optional<absl::string_view> tracestate,
                                 std::optional<absl::string_view> x_request_id);
  // A new trace (flags 00) with a new span.
  static TraceContext NewTrace(absl::BitGenRef gen);

  bool has_trace() const { return has_trace_; }
  // 32 lower-case hex characters; empty without a trace. Valid as long as
  // this object.
  absl::string_view trace_id() const;
  // The gateway's span: 16 lower-case hex characters; empty without a trace.
  absl::string_view span_id() const;
  uint8_t flags() const { return flags_; }
  // The caller's tracestate, or empty.
  const std::string& tracestate() const { return tracestate_; }
  // The caller's x-request-id, or empty.
  const std::string& caller_request_id() const { return caller_request_id_; }
  // The X-Request-Id sent upstream: the caller's, else the trace id.
  absl::string_view upstream_request_id() const;

  // "00-<trace id>-<the gateway's span id>-<flags>"; empty without a trace.
  std::string Traceparent() const;
  // A child of the gateway's span for one outgoing request: same trace id
  // and flags, a new span id. Empty without a trace.
  std::string ChildTraceparent(absl::BitGenRef gen) const;
  std::string ChildTraceparent() const;

 private:
  std::array<char, kTraceIdLength> trace_id_{};
  std::array<char, kSpanIdLength> span_id_{};
  uint8_t flags_ = 0;
  bool has_trace_ = false;
  std::string tracestate_;
  std::string caller_request_id_;
};

// "00-<trace_id>-<span_id>-<flags as 2 hex>". `trace_id` and `span_id` must
// have kTraceIdLength and kSpanIdLength characters.
std::string FormatTraceparent(absl::string_view trace_id,
                              absl::string_view span_id, uint8_t flags);

}  // namespace lipsync

#endif  // LIPSYNC_SERVICE_COMMON_TRACE_CONTEXT_H_

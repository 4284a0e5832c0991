// The traceparent parser, the id generator and the formatter, as tables.
#include "service/common/trace_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "service/common/json_log.h"

namespace lipsync {
namespace {

constexpr char kValid[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

bool IsLowerHexOf(absl::string_view s, std::size_t length) {
  return s.size() == length &&
         s.find_first_not_of("0123456789abcdef") == absl::string_view::npos;
}

TEST(ParseTraceparentTest, AcceptsTheSpecExample) {
  auto parsed = ParseTraceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(std::string(parsed->trace_id.begin(), parsed->trace_id.end()),
            kTraceId);
  EXPECT_EQ(std::string(parsed->parent_id.begin(), parsed->parent_id.end()),
            "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
}

TEST(ParseTraceparentTest, KeepsEveryFlagsValue) {
  for (const char* flags : {"00", "01", "02", "ff", "a0"}) {
    SCOPED_TRACE(flags);
    auto parsed = ParseTraceparent(absl::StrCat(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-", flags));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->flags, std::stoi(flags, nullptr, 16));
  }
}

TEST(ParseTraceparentTest, RefusesEveryMalformedValue) {
  struct Row {
    const char* name;
    std::string value;
  };
  const std::vector<Row> rows = {
      {"empty", ""},
      {"version 01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"version not hex",
       "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"upper-case trace id",
       "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
      {"upper-case parent id",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"},
      {"upper-case flags",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"},
      {"all-zero trace id",
       "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
      {"all-zero parent id",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"},
      {"trace id one short",
       "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"},
      {"parent id one long",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b70-01"},
      {"flags one digit",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"},
      {"flags three digits",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011"},
      {"flags not hex",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"},
      {"trailing field",
       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"},
      {"underscores",
       "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01"},
      {"non-hex in trace id",
       "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01"},
      {"space padded",
       " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"},
      {"4 KiB long", std::string(4096, 'a')},
      {"4 KiB after a valid one", absl::StrCat(kValid, std::string(4041, '0'))},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_FALSE(ParseTraceparent(row.value).has_value());
  }
}

TEST(TraceContextTest, ValidTraceparentKeepsTraceIdFlagsAndTracestate) {
  absl::BitGen gen;
  const TraceContext trace = TraceContext::FromCaller(
      std::string(kValid), std::string("congo=t61rcWkgMzE"), std::nullopt, gen);
  ASSERT_TRUE(trace.has_trace());
  EXPECT_EQ(trace.trace_id(), kTraceId);
  EXPECT_EQ(trace.flags(), 1);
  EXPECT_EQ(trace.tracestate(), "congo=t61rcWkgMzE");
  EXPECT_TRUE(IsLowerHexOf(trace.span_id(), kSpanIdLength));
  EXPECT_NE(trace.span_id(), "00f067aa0ba902b7");
  EXPECT_EQ(trace.caller_request_id(), "");
  EXPECT_EQ(trace.upstream_request_id(), kTraceId);
  EXPECT_EQ(trace.Traceparent(),
            absl::StrCat("00-", kTraceId, "-", trace.span_id(), "-01"));
}

TEST(TraceContextTest, MissingOrMalformedTraceparentStartsANewTrace) {
  absl::BitGen gen;
  for (const std::optional<std::string>& value :
       std::vector<std::optional<std::string>>{
           std::nullopt, "",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           std::string(4096, 'x')}) {
    const TraceContext trace = TraceContext::FromCaller(
        value, std::string("congo=t61rcWkgMzE"), std::nullopt, gen);
    ASSERT_TRUE(trace.has_trace());
    EXPECT_TRUE(IsLowerHexOf(trace.trace_id(), kTraceIdLength));
    EXPECT_NE(trace.trace_id(), std::string(kTraceIdLength, '0'));
    EXPECT_EQ(trace.flags(), 0);
    // W3C: a restarted trace drops the old tracestate.
    EXPECT_EQ(trace.tracestate(), "");
    EXPECT_TRUE(ParseTraceparent(trace.Traceparent()).has_value());
  }
}

TEST(TraceContextTest, NewTracesDiffer) {
  absl::BitGen gen;
  const TraceContext a = TraceContext::NewTrace(gen);
  const TraceContext b = TraceContext::NewTrace(gen);
  EXPECT_NE(a.trace_id(), b.trace_id());
  EXPECT_NE(a.span_id(), b.span_id());
}

TEST(TraceContextTest, TracestateAndRequestIdAreBoundedAndPrintable) {
  absl::BitGen gen;
  struct Row {
    const char* name;
    std::string value;
    bool kept_as_tracestate;
    bool kept_as_request_id;
  };
  const std::vector<Row> rows = {
      {"typical", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true, true},
      {"128 chars", std::string(128, 'r'), true, true},
      {"129 chars", std::string(129, 'r'), true, false},
      {"512 chars", std::string(512, 's'), true, false},
      {"513 chars", std::string(513, 's'), false, false},
      {"4 KiB", std::string(4096, 's'), false, false},
      {"newline", "a=b\r\nX-Injected: 1", false, false},
      {"tab", "a=b\tc", false, false},
      {"non-ASCII", "a=\xc3\xa9", false, false},
      {"empty", "", false, false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const TraceContext trace = TraceContext::FromCaller(
        std::string(kValid), row.value, row.value, gen);
    EXPECT_EQ(trace.tracestate(), row.kept_as_tracestate ? row.value : "");
    EXPECT_EQ(trace.caller_request_id(),
              row.kept_as_request_id ? row.value : "");
    EXPECT_EQ(trace.upstream_request_id(), row.kept_as_request_id
                                               ? absl::string_view(row.value)
                                               : trace.trace_id());
  }
}

TEST(TraceContextTest, ChildTraceparentKeepsTraceAndFlagsWithANewSpan) {
  absl::BitGen gen;
  const TraceContext trace =
      TraceContext::FromCaller(std::string(kValid), std::nullopt, "req-1", gen);
  const std::string first = trace.ChildTraceparent(gen);
  const std::string second = trace.ChildTraceparent();
  for (const std::string& child : {first, second}) {
    auto parsed = ParseTraceparent(child);
    ASSERT_TRUE(parsed.has_value()) << child;
    EXPECT_EQ(std::string(parsed->trace_id.begin(), parsed->trace_id.end()),
              kTraceId);
    EXPECT_EQ(parsed->flags, 1);
    const std::string span(parsed->parent_id.begin(), parsed->parent_id.end());
    EXPECT_NE(span, "00f067aa0ba902b7");
    EXPECT_NE(span, trace.span_id());
  }
  EXPECT_NE(first, second);
}

TEST(TraceContextTest, DeterministicWithAFixedGenerator) {
  std::mt19937_64 fixed(42);
  const TraceContext a = TraceContext::NewTrace(fixed);
  std::mt19937_64 again(42);
  const TraceContext b = TraceContext::NewTrace(again);
  EXPECT_EQ(a.trace_id(), b.trace_id());
  EXPECT_EQ(a.span_id(), b.span_id());
}

TEST(TraceContextTest, NoTraceHasEmptyAccessors) {
  const TraceContext none;
  EXPECT_FALSE(none.has_trace());
  EXPECT_EQ(none.trace_id(), "");
  EXPECT_EQ(none.span_id(), "");
  EXPECT_EQ(none.Traceparent(), "");
  EXPECT_EQ(none.ChildTraceparent(), "");
  EXPECT_EQ(none.upstream_request_id(), "");
}

TEST(FormatTraceparentTest, FormatsEveryFlagsByte) {
  EXPECT_EQ(FormatTraceparent(kTraceId, "00f067aa0ba902b7", 1), kValid);
  EXPECT_EQ(FormatTraceparent(kTraceId, "00f067aa0ba902b7", 0xff),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  EXPECT_EQ(FormatTraceparent(kTraceId, "00f067aa0ba902b7", 0x0a),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0a");
}

std::string LoggedLine(absl::string_view msg, const LogFields& fields) {
  ::testing::internal::CaptureStderr();
  LogJson(LogLevel::kWarning, msg, fields);
  return ::testing::internal::GetCapturedStderr();
}

TEST(ScopedLogTraceIdTest, TagsLinesWhileActiveAndRestoresTheOuterTag) {
  EXPECT_THAT(LoggedLine("before", {}),
              ::testing::Not(::testing::HasSubstr("trace_id")));
  {
    ScopedLogTraceId outer("aaaa");
    EXPECT_THAT(LoggedLine("outer", {{"k", "v"}}),
                ::testing::HasSubstr(R"("k":"v","trace_id":"aaaa"})"));
    {
      ScopedLogTraceId inner("bbbb");
      EXPECT_THAT(LoggedLine("inner", {}),
                  ::testing::HasSubstr(R"("trace_id":"bbbb"})"));
      // A line that names its own trace keeps it, once.
      const std::string own = LoggedLine("own", {{"trace_id", "cccc"}});
      EXPECT_THAT(own, ::testing::HasSubstr(R"("trace_id":"cccc"})"));
      EXPECT_THAT(own, ::testing::Not(::testing::HasSubstr("bbbb")));
    }
    EXPECT_THAT(LoggedLine("outer again", {}),
                ::testing::HasSubstr(R"("trace_id":"aaaa"})"));
  }
  EXPECT_THAT(LoggedLine("after", {}),
              ::testing::Not(::testing::HasSubstr("trace_id")));
}

}  // namespace
}  // namespace lipsync

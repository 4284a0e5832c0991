#include "service/upstream/curl_transfer.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "service/common/status_details.h"
#include "service/upstream/transport_status.h"

namespace lipsync::upstream {
namespace {

// Bodies up to this size are built and sent with the headers; larger ones
// are pulled by libcurl as it sends.
constexpr uint64_t kInlineBodyBytes = 64 * 1024;

absl::Status NoTimeLeft() {
  google::rpc::ErrorInfo info;
  info.set_reason("UPSTREAM_DEADLINE_EXCEEDED");
  info.set_domain(std::string(kGatewayErrorDomain));
  return WithErrorInfo(
      absl::DeadlineExceededError(
          "the call's deadline leaves no time for the upstream request"),
      info);
}

absl::Status HeadersNotAllocated() {
  return absl::ResourceExhaustedError(
      "libcurl could not allocate the upstream request's headers");
}

}  // namespace

CurlTransfer::CurlTransfer(HttpRequest request,
                           std::shared_ptr<CallContext> call, HttpCallback done)
    : request_(std::move(request)),
      call_(std::move(call)),
      done_(std::move(done)) {}

absl::Status CurlTransfer::Configure(CURL* easy, CURLSH* share,
                                     const CurlEngineOptions& options) {
  easy_ = easy;
  if (call_->cancelled())
    return absl::CancelledError("call cancelled by the caller");
  max_answer_bytes_ = options.max_answer_bytes;
  const absl::Duration left =
      call_->deadline() - absl::Now() - options.deadline_margin;
  const int64_t total_ms = absl::ToInt64Milliseconds(left);
  if (total_ms <= 0) return NoTimeLeft();
  const int64_t connect_ms =
      std::min(total_ms, absl::ToInt64Milliseconds(options.connect_timeout));
  deadline_was_binding_ = connect_ms == total_ms;

  for (const std::string& line : request_.headers) {
    if (!AppendToSlist(&headers_, line.c_str())) return HeadersNotAllocated();
  }
  // libcurl would add "Expect: 100-continue" to POSTs over 1 MiB and stall up
  // to a second waiting for a server that ignores it.
  if (!AppendToSlist(&headers_, "Expect:")) return HeadersNotAllocated();

  curl_easy_setopt(easy, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_.get());
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_SHARE, share);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(total_ms));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(connect_ms));
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  // No Accept-Encoding: answers are small JSON (a task < 2 KB), and asking
  // for compression made a brotli-compressing upstream the dominant cost
  // (S1: 3x the calls/s without it, 3,570 against 1,159).
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &CurlTransfer::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  if (!options.ca_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  if (request_.method == HttpMethod::kPost &&
      request_.body.size() > kInlineBodyBytes) {
    // libcurl pulls the body through OnRead into its upload buffer, with an
    // exact Content-Length (no chunked encoding); OnSeek lets it rewind.
    const auto size = static_cast<curl_off_t>(request_.body.size());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &CurlTransfer::OnRead);
    curl_easy_setopt(easy, CURLOPT_READDATA, this);
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, &CurlTransfer::OnSeek);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, this);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, size);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, size);
  } else if (request_.method == HttpMethod::kPost) {
    // A small body (any but a create with inline audio) is cheaper whole:
    // libcurl then sends headers and body in one write (one TCP segment, one
    // read at the upstream) instead of two. Literal text (an identify, a
    // create by audio_id or URL) is handed over as it is; a small create with
    // inline audio is built once. Either lives as long as the transfer.
    absl::string_view whole;
    if (std::optional<absl::string_view> text = request_.body.SingleText()) {
      whole = *text;
    } else {
      inline_body_ = request_.body.ToString();
      whole = inline_body_;
    }
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, whole.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(whole.size()));
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  return absl::OkStatus();
}

size_t CurlTransfer::OnBody(char* data, size_t size, size_t n, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  const size_t bytes = size * n;
  if (t->response_.body.size() + bytes > t->max_answer_bytes_) {
    t->answer_too_large_ = true;
    return 0;  // libcurl aborts with CURLE_WRITE_ERROR
  }
  std::string& body = t->response_.body;
  if (body.size() + bytes > body.capacity()) {
    // Grow by doubling, but never past the cap: std::string's own growth
    // would take a ~7 MB answer to a 15 MB buffer, which glibc then keeps
    // resident per I/O thread (bench/soak.sh measured +24 MiB RSS after
    // one oversized answer).
    body.reserve(std::min(t->max_answer_bytes_,
                          std::max(body.size() + bytes, 2 * body.capacity())));
  }
  body.append(data, bytes);
  return bytes;
}

size_t CurlTransfer::OnRead(char* buffer, size_t size, size_t n, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  const size_t read =
      t->request_.body.ReadAt(t->read_offset_, buffer, size * n);
  t->read_offset_ += read;
  return read;
}

int CurlTransfer::OnSeek(void* self, curl_off_t offset, int origin) {
  auto* t = static_cast<CurlTransfer*>(self);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > t->request_.body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->read_offset_ = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t CurlTransfer::OnHeader(char* data, size_t size, size_t n, void* self) {
  auto* t = static_cast<CurlTransfer*>(self);
  const size_t bytes = size * n;
  absl::string_view line(data, bytes);
  // A new status line starts a new header block (e.g. after a 1xx answer).
  if (absl::StartsWith(line, "HTTP/")) t->response_.retry_after.reset();
  constexpr absl::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size() &&
      absl::EqualsIgnoreCase(line.substr(0, kRetryAfter.size()), kRetryAfter)) {
    int64_t seconds = 0;
    // Only the delta-seconds form: Kling sends no HTTP dates, and a bad value
    // must not turn into a long stall; capped at one hour.
    if (absl::SimpleAtoi(
            absl::StripAsciiWhitespace(line.substr(kRetryAfter.size())),
            &seconds) &&
        seconds >= 0) {
      t->response_.retry_after =
          absl::Seconds(std::min<int64_t>(seconds, 3600));
    }
  }
  return bytes;
}

void CurlTransfer::Complete(CURLcode result) {
  if (result == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    response_.http_status = status;
    Deliver(std::move(response_));
    return;
  }
  TransferFacts facts;
  curl_off_t connect_us = 0;
  curl_easy_getinfo(easy_, CURLINFO_CONNECT_TIME_T, &connect_us);
  long connects = 0;
  curl_easy_getinfo(easy_, CURLINFO_NUM_CONNECTS, &connects);
  curl_off_t upload_bytes = 0;
  curl_easy_getinfo(easy_, CURLINFO_SIZE_UPLOAD_T, &upload_bytes);
  long request_bytes = 0;
  curl_easy_getinfo(easy_, CURLINFO_REQUEST_SIZE, &request_bytes);
  facts.never_connected =
      connect_us == 0 && request_bytes == 0 && upload_bytes == 0;
  facts.answer_too_large = answer_too_large_;
  facts.deadline_was_binding = deadline_was_binding_;
  Deliver(CurlResultToStatus(result, error_, facts));
}

void CurlTransfer::Fail(absl::Status status) { Deliver(std::move(status)); }

void CurlTransfer::Deliver(absl::StatusOr<HttpResponse> outcome) {
  if (delivered_.exchange(true)) return;
  call_->ClearCancelHook(cancel_token_);
  HttpCallback done = std::move(done_);
  done(std::move(outcome));
}

}  // namespace lipsync::upstream

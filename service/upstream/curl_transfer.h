// One HTTP exchange on a libcurl easy handle: its options, its buffers and
// its completion. Owned (shared_ptr) by the I/O loop while active; touched
// only on that loop's thread after Submit.
#ifndef LIPSYNC_SERVICE_UPSTREAM_CURL_TRANSFER_H_
#define LIPSYNC_SERVICE_UPSTREAM_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "service/common/call_context.h"
#include "service/upstream/curl_engine_options.h"
#include "service/upstream/curl_handles.h"
#include "service/upstream/http_transport.h"

namespace lipsync::upstream {

class CurlTransfer {
 public:
  CurlTransfer(HttpRequest request, std::shared_ptr<CallContext> call,
               HttpCallback done);
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // Sets every option of `easy` for this exchange. Fails (without sending)
  // when the call's deadline leaves no time, or when libcurl cannot allocate
  // the header list. `easy` is not owned; the transfer must outlive its use.
  absl::Status Configure(CURL* easy, CURLSH* share,
                         const CurlEngineOptions& options);

  // Delivers the outcome of libcurl's `result` (exactly once overall).
  void Complete(CURLcode result);
  // Delivers `status` without a libcurl outcome (exactly once overall).
  void Fail(absl::Status status);

  CallContext& call() { return *call_; }
  CURL* easy() const { return easy_; }
  // Token of the cancel hook installed on the call, cleared on completion.
  void set_cancel_token(uint64_t token) { cancel_token_ = token; }

 private:
  static size_t OnBody(char* data, size_t size, size_t n, void* self);
  static size_t OnHeader(char* data, size_t size, size_t n, void* self);
  // Pull side of a large body (HttpRequest::body).
  static size_t OnRead(char* buffer, size_t size, size_t n, void* self);
  static int OnSeek(void* self, curl_off_t offset, int origin);
  void Deliver(absl::StatusOr<HttpResponse> outcome);

  HttpRequest request_;
  std::shared_ptr<CallContext> call_;
  HttpCallback done_;
  CURL* easy_ = nullptr;  // not owned: the I/O loop's
  // CURLOPT_HTTPHEADER of easy_.
  CurlSlistPtr headers_;
  // A small POST body that is not one literal piece, built (see Configure)
  // for CURLOPT_POSTFIELDS.
  std::string inline_body_;
  HttpResponse response_;
  std::size_t max_answer_bytes_ = 0;
  // Next byte of request_.body that libcurl will read. Starts at 0
  // for every transfer; libcurl rewinds it through OnSeek when it re-sends
  // on a fresh connection.
  uint64_t read_offset_ = 0;
  bool answer_too_large_ = false;
  bool deadline_was_binding_ = true;
  uint64_t cancel_token_ = 0;
  std::atomic<bool> delivered_{false};
  char error_[CURL_ERROR_SIZE] = {0};
};

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_CURL_TRANSFER_H_

// UpstreamClient speaking Kling's REST API over an HttpTransport: builds the
// URL, headers and body (service/translate), and translates the answer back.
#ifndef LIPSYNC_SERVICE_UPSTREAM_KLING_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_UPSTREAM_KLING_UPSTREAM_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "service/common/trace_context.h"
#include "service/upstream/credentials.h"
#include "service/upstream/http_transport.h"
#include "service/upstream/upstream_client.h"

namespace lipsync::upstream {

class KlingUpstreamClient final : public UpstreamClient {
 public:
  // `base_url` without a trailing slash, e.g. "https://www.kkiai.com/kling".
  KlingUpstreamClient(std::string base_url,
                      std::shared_ptr<Credentials> credentials,
                      std::shared_ptr<HttpTransport> transport);

  void IdentifyFace(std::shared_ptr<CallContext> call,
                    const v1::IdentifyFaceRequest& request,
                    UpstreamCallback<v1::IdentifyFaceResponse> done) override;
  void CreateLipSyncTask(std::shared_ptr<CallContext> call,
                         const CreateRequest& request,
                         UpstreamCallback<v1::LipSyncTask> done) override;
  void GetLipSyncTask(std::shared_ptr<CallContext> call,
                      const v1::GetLipSyncTaskRequest& request,
                      UpstreamCallback<v1::LipSyncTask> done) override;
  void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const v1::ListLipSyncTasksRequest& request,
      UpstreamCallback<v1::ListLipSyncTasksResponse> done) override;

 private:
  // Sends one request; on success `parse` turns the HTTP answer into T.
  template <typename T, typename Parse>
  void Exchange(const std::shared_ptr<CallContext>& call, HttpMethod method,
                absl::string_view path, StreamedBody body, Parse parse,
                UpstreamCallback<T> done);

  const std::string base_url_;
  const std::shared_ptr<Credentials> credentials_;
  const std::shared_ptr<HttpTransport> transport_;
};

// Appends the trace headers of one upstream request: `traceparent` (a child
// of the gateway's span: same trace id and flags, a new span id),
// `tracestate` (the caller's, unchanged, when it sent one) and
// `X-Request-Id` (the caller's x-request-id, else the trace id). Nothing
// without a trace. The values are printable ASCII (trace_context.h), so no
// header can be split.
void AddTraceHeaders(const TraceContext& trace,
                     std::vector<std::string>* headers);

// Percent-encodes one URL path segment (RFC 3986 unreserved chars pass).
std::string EncodePathSegment(absl::string_view segment);

}  // namespace lipsync::upstream

#endif  // LIPSYNC_SERVICE_UPSTREAM_KLING_UPSTREAM_CLIENT_H_

#include "service/upstream/kling_upstream_client.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/common/limits.h"
#include "service/translate/create_body.h"
#include "service/translate/envelope.h"
#include "service/translate/task_json.h"

namespace lipsync::upstream {
namespace {

constexpr absl::string_view kIdentifyFacePath = "/v1/videos/identify-face";
constexpr absl::string_view kLipSyncPath = "/v1/videos/advanced-lip-sync";

}  // namespace

void AddTraceHeaders(const TraceContext& trace,
                     std::vector<std::string>* headers) {
  if (!trace.has_trace()) return;
  // Each exchange (each retry attempt too) is a span of its own, a child of
  // the gateway's span for the call.
  headers->push_back(absl::StrCat("traceparent: ", trace.ChildTraceparent()));
  if (!trace.tracestate().empty()) {
    headers->push_back(absl::StrCat("tracestate: ", trace.tracestate()));
  }
  headers->push_back(
      absl::StrCat("X-Request-Id: ", trace.upstream_request_id()));
}

std::string EncodePathSegment(absl::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (char c : segment) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

KlingUpstreamClient::KlingUpstreamClient(
    std::string base_url, std::shared_ptr<Credentials> credentials,
    std::shared_ptr<HttpTransport> transport)
    : base_url_(std::move(base_url)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {}

template <typename T, typename Parse>
void KlingUpstreamClient::Exchange(const std::shared_ptr<CallContext>& call,
                                   HttpMethod method, absl::string_view path,
                                   StreamedBody body, Parse parse,
                                   UpstreamCallback<T> done) {
  absl::StatusOr<std::string> auth = credentials_->AuthorizationHeader();
  if (!auth.ok()) {
    done(std::move(auth).status());
    return;
  }
  HttpRequest request;
  request.method = method;
  request.url = absl::StrCat(base_url_, path);
  request.headers = {*std::move(auth), "Accept: application/json"};
  AddTraceHeaders(call->trace(), &request.headers);
  if (method == HttpMethod::kPost) {
    request.headers.push_back("Content-Type: application/json");
    request.body = std::move(body);
  }
  transport_->Send(
      std::move(request), call,
      [parse = std::move(parse),
       done = std::move(done)](absl::StatusOr<HttpResponse> response) {
        if (!response.ok()) {
          done(std::move(response).status());
          return;
        }
        absl::StatusOr<translate::Envelope> envelope =
            translate::ParseEnvelope(static_cast<int>(response->http_status),
                                     response->body, response->retry_after);
        if (!envelope.ok()) {
          done(std::move(envelope).status());
          return;
        }
        done(parse(*envelope));
      });
}

void KlingUpstreamClient::IdentifyFace(
    std::shared_ptr<CallContext> call, const v1::IdentifyFaceRequest& request,
    UpstreamCallback<v1::IdentifyFaceResponse> done) {
  StreamedBody body;
  body.AppendText(translate::BuildIdentifyFaceBody(request));
  Exchange<v1::IdentifyFaceResponse>(
      call, HttpMethod::kPost, kIdentifyFacePath, std::move(body),
      [](const translate::Envelope& e) {
        return translate::ParseIdentifyAnswer(e);
      },
      std::move(done));
}

void KlingUpstreamClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  // The idempotency key rides on the context (see CallContext), not in a
  // copy of the request. The body is streamed: it references the request's
  // audio (valid until `done`, see UpstreamClient) and is Base64-encoded into
  // libcurl's upload buffer, never materialised (S2 peak RSS 130, not 200 MB).
  StreamedBody body = translate::StreamCreateTaskBody(
      request, call->upstream_external_task_id());
  Exchange<v1::LipSyncTask>(
      call, HttpMethod::kPost, kLipSyncPath, std::move(body),
      [](const translate::Envelope& e) {
        return translate::ParseCreateAnswer(e);
      },
      std::move(done));
}

void KlingUpstreamClient::GetLipSyncTask(
    std::shared_ptr<CallContext> call, const v1::GetLipSyncTaskRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  // Kling's query path takes either the task id or the caller's external id.
  const std::string& id = request.task_id().empty() ? request.external_task_id()
                                                    : request.task_id();
  Exchange<v1::LipSyncTask>(
      call, HttpMethod::kGet,
      absl::StrCat(kLipSyncPath, "/", EncodePathSegment(id)), {},
      [](const translate::Envelope& e) {
        return translate::ParseTaskAnswer(e);
      },
      std::move(done));
}

void KlingUpstreamClient::ListLipSyncTasks(
    std::shared_ptr<CallContext> call,
    const v1::ListLipSyncTasksRequest& request,
    UpstreamCallback<v1::ListLipSyncTasksResponse> done) {
  const int page_num =
      request.page_num() == 0 ? kDefaultPageNum : request.page_num();
  const int page_size =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  Exchange<v1::ListLipSyncTasksResponse>(
      call, HttpMethod::kGet,
      absl::StrCat(kLipSyncPath, "?pageNum=", page_num,
                   "&pageSize=", page_size),
      {},
      [page_size](const translate::Envelope& e) {
        return translate::ParseListAnswer(e, page_size);
      },
      std::move(done));
}

}  // namespace lipsync::upstream

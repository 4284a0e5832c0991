#include "tests/support/fake_http_transport.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace lipsync::testing_util {
namespace {

// Not a multiple of 3 or 4, so reads end inside Base64 groups and pieces.
constexpr std::size_t kReadChunk = 1000;

// Reads `body` the way a transport does: offset by offset until ReadAt says
// the end. Stops a chunk past the declared size, so a body that never ends
// shows up as too long instead of hanging the test.
std::string ReadToEnd(const StreamedBody& body) {
  std::string out;
  char chunk[kReadChunk];
  while (out.size() <= body.size() + kReadChunk) {
    const std::size_t n = body.ReadAt(out.size(), chunk, sizeof(chunk));
    if (n == 0) break;
    out.append(chunk, n);
  }
  return out;
}

}  // namespace

std::vector<std::string> RecordedHttpRequest::HeaderValues(
    absl::string_view name) const {
  std::vector<std::string> values;
  for (const std::string& line : headers) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(
                                    absl::string_view(line).substr(0, colon)),
                                name)) {
      continue;
    }
    values.emplace_back(
        absl::StripAsciiWhitespace(absl::string_view(line).substr(colon + 1)));
  }
  return values;
}

std::optional<std::string> RecordedHttpRequest::Header(
    absl::string_view name) const {
  std::vector<std::string> values = HeaderValues(name);
  if (values.size() != 1) return std::nullopt;
  return std::move(values.front());
}

void FakeHttpTransport::Send(upstream::HttpRequest request,
                             std::shared_ptr<CallContext> call,
                             upstream::HttpCallback done) {
  RecordedHttpRequest recorded;
  recorded.method = request.method;
  recorded.url = std::move(request.url);
  recorded.headers = std::move(request.headers);
  recorded.body = ReadToEnd(request.body);
  recorded.body_declared_size = request.body.size();
  recorded.call = std::move(call);
  std::optional<Outcome> answer;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(std::move(recorded));
    if (scripted_.empty()) {
      held_.push_back(std::move(done));
      return;
    }
    answer = std::move(scripted_.front());
    scripted_.pop_front();
  }
  done(*std::move(answer));
}

void FakeHttpTransport::AnswerNextWith(Outcome outcome) {
  absl::MutexLock lock(&mu_);
  scripted_.push_back(std::move(outcome));
}

bool FakeHttpTransport::AnswerHeld(Outcome outcome) {
  upstream::HttpCallback done;
  {
    absl::MutexLock lock(&mu_);
    if (held_.empty()) return false;
    done = std::move(held_.front());
    held_.pop_front();
  }
  done(std::move(outcome));
  return true;
}

std::size_t FakeHttpTransport::held() const {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

std::vector<RecordedHttpRequest> FakeHttpTransport::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::size_t FakeHttpTransport::sent() const {
  absl::MutexLock lock(&mu_);
  return requests_.size();
}

RecordedHttpRequest FakeHttpTransport::last_request() const {
  absl::MutexLock lock(&mu_);
  if (requests_.empty()) {
    ADD_FAILURE() << "the transport received no request";
    return {};
  }
  return requests_.back();
}

upstream::HttpResponse HttpAnswer(long http_status, std::string body,
                                  std::optional<absl::Duration> retry_after) {
  upstream::HttpResponse response;
  response.http_status = http_status;
  response.body = std::move(body);
  response.retry_after = retry_after;
  return response;
}

}  // namespace lipsync::testing_util

#include "service/workflow/idempotent_create_client.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "service/common/status_details.h"
#include "service/translate/kling_error.h"

namespace lipsync::workflow {
namespace {

absl::Status KeyReused(const std::string& key) {
  google::rpc::ErrorInfo info;
  info.set_reason("IDEMPOTENCY_KEY_REUSED");
  info.set_domain(std::string(kGatewayErrorDomain));
  return WithErrorInfo(
      absl::InvalidArgumentError(absl::StrCat(
          "idempotency key \"", key,
          "\" was already used with a different request; use a new key")),
      info);
}

// True when the upstream refused the create because the external_task_id
// already names a task: the task exists, so read it instead.
bool IsDuplicateRefusal(const absl::Status& status) {
  const std::optional<translate::UpstreamError> error =
      translate::UpstreamErrorOf(status);
  return error.has_value() && translate::IsDuplicateExternalTaskId(*error);
}

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

template <typename H>
H CombineMessage(H h, const Message& message, const FieldDescriptor* skip);

// A message for absl::Hash: every field CombineMessage would hash.
struct MessageView {
  const Message* message;
  const FieldDescriptor* skip;

  template <typename H>
  friend H AbslHashValue(H h, const MessageView& view) {
    return CombineMessage(std::move(h), *view.message, view.skip);
  }
};

// Element `index` of repeated `field`, or the singular field's value when
// `index` is negative.
template <typename H>
H CombineValue(H h, const Message& message, const FieldDescriptor* field,
               int index) {
  const Reflection& r = *message.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return H::combine(std::move(h),
                        one ? r.GetInt32(message, field)
                            : r.GetRepeatedInt32(message, field, index));
    case FieldDescriptor::CPPTYPE_INT64:
      return H::combine(std::move(h),
                        one ? r.GetInt64(message, field)
                            : r.GetRepeatedInt64(message, field, index));
    case FieldDescriptor::CPPTYPE_UINT32:
      return H::combine(std::move(h),
                        one ? r.GetUInt32(message, field)
                            : r.GetRepeatedUInt32(message, field, index));
    case FieldDescriptor::CPPTYPE_UINT64:
      return H::combine(std::move(h),
                        one ? r.GetUInt64(message, field)
                            : r.GetRepeatedUInt64(message, field, index));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return H::combine(std::move(h),
                        one ? r.GetDouble(message, field)
                            : r.GetRepeatedDouble(message, field, index));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return H::combine(std::move(h),
                        one ? r.GetFloat(message, field)
                            : r.GetRepeatedFloat(message, field, index));
    case FieldDescriptor::CPPTYPE_BOOL:
      return H::combine(std::move(h),
                        one ? r.GetBool(message, field)
                            : r.GetRepeatedBool(message, field, index));
    case FieldDescriptor::CPPTYPE_ENUM:
      return H::combine(std::move(h),
                        one ? r.GetEnumValue(message, field)
                            : r.GetRepeatedEnumValue(message, field, index));
    case FieldDescriptor::CPPTYPE_STRING: {
      // A copy only for a field stored other than as a std::string (a Cord
      // field): the Base64 `sound_file` is hashed where it lies.
      std::string scratch;
      return H::combine(
          std::move(h),
          one ? r.GetStringReference(message, field, &scratch)
              : r.GetRepeatedStringReference(message, field, index, &scratch));
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return CombineMessage(std::move(h),
                            one ? r.GetMessage(message, field)
                                : r.GetRepeatedMessage(message, field, index),
                            nullptr);
  }
  return h;
}

// `field` of `message`, with its number, so that equal values in different
// fields differ. Map entries are combined in an order of their own (their
// hashes, sorted): protobuf gives them none, and equal maps must hash alike.
template <typename H>
H CombineField(H h, const Message& message, const FieldDescriptor* field) {
  h = H::combine(std::move(h), field->number());
  if (!field->is_repeated()) {
    return CombineValue(std::move(h), message, field, -1);
  }
  const Reflection& r = *message.GetReflection();
  const int size = r.FieldSize(message, field);
  h = H::combine(std::move(h), size);
  if (field->is_map()) {
    std::vector<size_t> entries;
    entries.reserve(static_cast<size_t>(size));
    for (int i = 0; i < size; ++i) {
      entries.push_back(absl::HashOf(
          MessageView{&r.GetRepeatedMessage(message, field, i), nullptr}));
    }
    std::sort(entries.begin(), entries.end());
    return H::combine_contiguous(std::move(h), entries.data(), entries.size());
  }
  for (int i = 0; i < size; ++i) {
    h = CombineValue(std::move(h), message, field, i);
  }
  return h;
}

// Every field `message` has (protobuf's ListFields: set, or non-empty), but
// `skip`. Unknown fields do not count: nothing sends them upstream.
template <typename H>
H CombineMessage(H h, const Message& message, const FieldDescriptor* skip) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field != skip) h = CombineField(std::move(h), message, field);
  }
  return h;
}

const FieldDescriptor* CreateRequestField(int number) {
  return v1::CreateLipSyncTaskRequest::descriptor()->FindFieldByNumber(number);
}

// A CreateRequest for absl::Hash: every field of the message but
// `request_id`, with each face's audio taken from the request's Cord (its
// content, whatever its chunks), not from the message.
struct FingerprintView {
  const CreateRequest* request;

  template <typename H>
  friend H AbslHashValue(H h, const FingerprintView& view) {
    static const FieldDescriptor* const kRequestId =
        CreateRequestField(v1::CreateLipSyncTaskRequest::kRequestIdFieldNumber);
    static const FieldDescriptor* const kFaceChoose = CreateRequestField(
        v1::CreateLipSyncTaskRequest::kFaceChooseFieldNumber);
    static const FieldDescriptor* const kSoundFileBytes =
        v1::FaceChoose::descriptor()->FindFieldByNumber(
            v1::FaceChoose::kSoundFileBytesFieldNumber);
    const v1::CreateLipSyncTaskRequest& message = view.request->message();
    std::vector<const FieldDescriptor*> fields;
    v1::CreateLipSyncTaskRequest::GetReflection()->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      if (field == kRequestId || field == kFaceChoose) continue;
      h = CombineField(std::move(h), message, field);
    }
    h = H::combine(std::move(h), kFaceChoose->number(),
                   message.face_choose_size());
    for (int i = 0; i < message.face_choose_size(); ++i) {
      h = CombineMessage(std::move(h), message.face_choose(i), kSoundFileBytes);
      h = H::combine(std::move(h), view.request->sound_file_bytes(i));
    }
    return h;
  }
};

}  // namespace

uint64_t CreateRequestFingerprint(const CreateRequest& request) {
  return absl::HashOf(FingerprintView{&request});
}

IdempotentCreateClient::IdempotentCreateClient(
    std::shared_ptr<upstream::UpstreamClient> child,
    const IdempotencyOptions& options, Clock clock)
    : ForwardingUpstreamClient(std::move(child)),
      options_(options),
      clock_(std::move(clock)) {}

void IdempotentCreateClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    Done done) {
  const std::string key = !request.message().request_id().empty()
                              ? request.message().request_id()
                              : request.message().external_task_id();
  if (key.empty()) {
    child()->CreateLipSyncTask(std::move(call), request, std::move(done));
    return;
  }
  const uint64_t fingerprint = CreateRequestFingerprint(request);
  const absl::Time now = clock_();
  enum class Action { kLead, kJoined, kReplay, kConflict };
  Action action = Action::kLead;
  v1::LipSyncTask replay;
  // The caller's callback when it is answered here (conflict, replay), run
  // after the lock is released.
  Done answer_now;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.completed &&
        it->second.expires_at <= now) {
      completed_order_.erase(it->second.age);
      entries_.erase(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      Entry& entry = entries_[key];
      entry.fingerprint = fingerprint;
      entry.waiters.push_back(std::move(done));
    } else if (it->second.fingerprint != fingerprint) {
      answer_now = std::move(done);
      action = Action::kConflict;
    } else if (!it->second.completed) {
      it->second.waiters.push_back(std::move(done));
      action = Action::kJoined;
    } else {
      replay = it->second.task;
      answer_now = std::move(done);
      action = Action::kReplay;
    }
  }
  switch (action) {
    case Action::kConflict:
      answer_now(KeyReused(key));
      return;
    case Action::kJoined:
      return;
    case Action::kReplay:
      answer_now(std::move(replay));
      return;
    case Action::kLead:
      break;
  }
  StartLeader(key, request, call->deadline(), call->trace());
}

void IdempotentCreateClient::StartLeader(const std::string& key,
                                         const CreateRequest& request,
                                         absl::Time deadline,
                                         const TraceContext& trace) {
  // The key travels as the upstream's own uniqueness guarantee. It rides on
  // the upstream call's context (KlingUpstreamClient writes it into the
  // body), so the request, audio included, is not copied to set one field.
  std::string external_task_id = request.message().external_task_id().empty()
                                     ? key
                                     : request.message().external_task_id();
  // Detached from the first caller's cancellation: others may have joined,
  // and an abandoned in-flight create is exactly the double-pay risk.
  auto call = std::make_shared<CallContext>(deadline, trace, external_task_id);
  // `request` is the leader caller's. The UpstreamClient contract keeps it
  // valid until that caller's `done` runs, and that `done` is one of this
  // key's waiters, run by CompleteKey only after the child's callback
  // below: so the child (and any decorator holding a reference, such as the
  // retry layer) may use it for the whole exchange.
  child()->CreateLipSyncTask(
      call, request,
      [this, key, external_task_id, deadline,
       trace](absl::StatusOr<v1::LipSyncTask> result) {
        if (!result.ok() && IsDuplicateRefusal(result.status())) {
          ResolveDuplicate(key, external_task_id, deadline, trace);
          return;
        }
        CompleteKey(key, std::move(result));
      });
}

void IdempotentCreateClient::ResolveDuplicate(const std::string& key,
                                              std::string external_task_id,
                                              absl::Time deadline,
                                              const TraceContext& trace) {
  v1::GetLipSyncTaskRequest get;
  get.set_external_task_id(std::move(external_task_id));
  child()->GetLipSyncTask(std::make_shared<CallContext>(deadline, trace), get,
                          [this, key](absl::StatusOr<v1::LipSyncTask> task) {
                            CompleteKey(key, std::move(task));
                          });
}

void IdempotentCreateClient::CompleteKey(
    const std::string& key, absl::StatusOr<v1::LipSyncTask> result) {
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    waiters = std::move(it->second.waiters);
    if (result.ok() && options_.max_entries > 0) {
      Entry& entry = it->second;
      entry.completed = true;
      entry.task = *result;
      entry.expires_at = clock_() + options_.ttl;
      completed_order_.push_back(key);
      entry.age = std::prev(completed_order_.end());
      while (completed_order_.size() > options_.max_entries) {
        entries_.erase(completed_order_.front());
        completed_order_.pop_front();
      }
    } else {
      entries_.erase(it);
    }
  }
  for (Done& waiter : waiters) waiter(result);
}

std::size_t IdempotentCreateClient::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace lipsync::workflow

#include "service/workflow/idempotent_create_client.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/hash/internal/city.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/wire_format.h"
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

absl::Status KeyInFlight(const std::string& key) {
  google::rpc::ErrorInfo info;
  info.set_reason("IDEMPOTENCY_KEY_IN_FLIGHT");
  info.set_domain(std::string(kGatewayErrorDomain));
  return WithErrorInfo(
      absl::DeadlineExceededError(absl::StrCat(
          "the create with idempotency key \"", key,
          "\" is still in flight on another replica; retry with the same key")),
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

// A 64-bit digest of a byte stream, the same in every process and however
// the stream is cut into appends: full 64 KiB blocks are hashed in turn,
// each seeded with the digest so far (CityHash64, a fixed function, unlike
// absl::Hash's per-process seed).
class StableDigest {
 public:
  void Append(absl::string_view bytes) {
    while (!bytes.empty()) {
      const size_t n = std::min(bytes.size(), kBlock - buffer_.size());
      buffer_.append(bytes.data(), n);
      bytes.remove_prefix(n);
      if (buffer_.size() == kBlock) Flush();
    }
  }
  void AppendNumber(uint64_t value) { Append(absl::StrCat(value, ";")); }
  uint64_t Finish() {
    Flush();
    return digest_;
  }

 private:
  static constexpr size_t kBlock = 64 * 1024;
  void Flush() {
    digest_ = absl::hash_internal::CityHash64WithSeed(buffer_.data(),
                                                      buffer_.size(), digest_);
    buffer_.clear();
  }
  std::string buffer_;
  uint64_t digest_ = 0x6c697073796e63ULL;
};

template <typename T>
uint64_t BitsOf(T value) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "wider than 64 bits");
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  return bits;
}

void DigestMessage(StableDigest& d, const Message& message,
                   const FieldDescriptor* skip);

void DigestValue(StableDigest& d, const Message& message,
                 const FieldDescriptor* field, int index) {
  const Reflection& r = *message.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return d.AppendNumber(static_cast<uint64_t>(
          one ? r.GetInt32(message, field)
              : r.GetRepeatedInt32(message, field, index)));
    case FieldDescriptor::CPPTYPE_INT64:
      return d.AppendNumber(static_cast<uint64_t>(
          one ? r.GetInt64(message, field)
              : r.GetRepeatedInt64(message, field, index)));
    case FieldDescriptor::CPPTYPE_UINT32:
      return d.AppendNumber(one ? r.GetUInt32(message, field)
                                : r.GetRepeatedUInt32(message, field, index));
    case FieldDescriptor::CPPTYPE_UINT64:
      return d.AppendNumber(one ? r.GetUInt64(message, field)
                                : r.GetRepeatedUInt64(message, field, index));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return d.AppendNumber(
          BitsOf(one ? r.GetDouble(message, field)
                     : r.GetRepeatedDouble(message, field, index)));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return d.AppendNumber(
          BitsOf(one ? r.GetFloat(message, field)
                     : r.GetRepeatedFloat(message, field, index)));
    case FieldDescriptor::CPPTYPE_BOOL:
      return d.AppendNumber((one ? r.GetBool(message, field)
                                 : r.GetRepeatedBool(message, field, index))
                                ? 1
                                : 0);
    case FieldDescriptor::CPPTYPE_ENUM:
      return d.AppendNumber(static_cast<uint64_t>(
          one ? r.GetEnumValue(message, field)
              : r.GetRepeatedEnumValue(message, field, index)));
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          one ? r.GetStringReference(message, field, &scratch)
              : r.GetRepeatedStringReference(message, field, index, &scratch);
      d.AppendNumber(value.size());
      return d.Append(value);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return DigestMessage(d,
                           one ? r.GetMessage(message, field)
                               : r.GetRepeatedMessage(message, field, index),
                           nullptr);
  }
}

// A map's entries have no order of their own: protobuf's deterministic
// serialization gives them one (sorted by key).
void DigestMap(StableDigest& d, const Message& message,
               const FieldDescriptor* field) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    message.ByteSizeLong();
    google::protobuf::internal::WireFormat::SerializeFieldWithCachedSizes(
        field, message, &out);
  }
  d.AppendNumber(bytes.size());
  d.Append(bytes);
}

void DigestField(StableDigest& d, const Message& message,
                 const FieldDescriptor* field) {
  d.AppendNumber(static_cast<uint64_t>(field->number()));
  if (field->is_map()) return DigestMap(d, message, field);
  if (!field->is_repeated()) return DigestValue(d, message, field, -1);
  const int size = message.GetReflection()->FieldSize(message, field);
  d.AppendNumber(static_cast<uint64_t>(size));
  for (int i = 0; i < size; ++i) DigestValue(d, message, field, i);
}

void DigestMessage(StableDigest& d, const Message& message,
                   const FieldDescriptor* skip) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  d.Append("{");
  for (const FieldDescriptor* field : fields) {
    if (field != skip) DigestField(d, message, field);
  }
  d.Append("}");
}

}  // namespace

uint64_t StableCreateRequestFingerprint(const CreateRequest& request) {
  static const FieldDescriptor* const kRequestId =
      CreateRequestField(v1::CreateLipSyncTaskRequest::kRequestIdFieldNumber);
  static const FieldDescriptor* const kFaceChoose =
      CreateRequestField(v1::CreateLipSyncTaskRequest::kFaceChooseFieldNumber);
  static const FieldDescriptor* const kSoundFileBytes =
      v1::FaceChoose::descriptor()->FindFieldByNumber(
          v1::FaceChoose::kSoundFileBytesFieldNumber);
  const v1::CreateLipSyncTaskRequest& message = request.message();
  StableDigest d;
  std::vector<const FieldDescriptor*> fields;
  v1::CreateLipSyncTaskRequest::GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field == kRequestId || field == kFaceChoose) continue;
    DigestField(d, message, field);
  }
  d.AppendNumber(static_cast<uint64_t>(kFaceChoose->number()));
  d.AppendNumber(static_cast<uint64_t>(message.face_choose_size()));
  for (int i = 0; i < message.face_choose_size(); ++i) {
    DigestMessage(d, message.face_choose(i), kSoundFileBytes);
    const absl::Cord& audio = request.sound_file_bytes(i);
    d.AppendNumber(audio.size());
    for (absl::string_view chunk : audio.Chunks()) d.Append(chunk);
  }
  return d.Finish();
}

uint64_t CreateRequestFingerprint(const CreateRequest& request) {
  return absl::HashOf(FingerprintView{&request});
}

IdempotentCreateClient::IdempotentCreateClient(
    std::shared_ptr<upstream::UpstreamClient> child,
    const IdempotencyOptions& options, Clock clock,
    std::shared_ptr<SharedIdempotency> shared)
    : ForwardingUpstreamClient(std::move(child)),
      options_(options),
      clock_(std::move(clock)),
      shared_(std::move(shared)) {}

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
  // Keys are per caller: one caller's key never reaches another's task.
  const std::string caller = call->caller();
  const std::string local_key =
      caller.empty() ? key : absl::StrCat(caller.size(), ":", caller, ":", key);
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
    auto it = entries_.find(local_key);
    if (it != entries_.end() && it->second.completed &&
        it->second.expires_at <= now) {
      completed_order_.erase(it->second.age);
      entries_.erase(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      Entry& entry = entries_[local_key];
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
  Leader leader;
  leader.local_key = local_key;
  leader.key = key;
  // The key travels as the upstream's own uniqueness guarantee. It rides on
  // the upstream call's context (KlingUpstreamClient writes it into the
  // body), so the request, audio included, is not copied to set one field.
  leader.external_task_id = request.message().external_task_id().empty()
                                ? key
                                : request.message().external_task_id();
  leader.deadline = call->deadline();
  leader.trace = call->trace();
  if (shared_ == nullptr) {
    Create(std::make_shared<const Leader>(std::move(leader)), request);
    return;
  }
  leader.shared_key = shared_->KeyOf(caller, key);
  leader.shared_fingerprint = StableCreateRequestFingerprint(request);
  ClaimShared(std::move(leader), request);
}

// `request` is the leader caller's. The UpstreamClient contract keeps it
// valid until that caller's `done` runs, and that `done` is one of this
// key's waiters, run by CompleteKey only after every step below: so each
// step (and any decorator holding a reference, such as the retry layer) may
// use it.
void IdempotentCreateClient::ClaimShared(Leader leader,
                                         const CreateRequest& request) {
  const std::string shared_key = leader.shared_key;
  const uint64_t fingerprint = leader.shared_fingerprint;
  const absl::Time deadline = leader.deadline;
  shared_->Claim(
      shared_key, fingerprint, deadline,
      [this, leader = std::move(leader),
       request](SharedIdempotency::Claimed claim) mutable {
        using Kind = SharedIdempotency::Claimed::Kind;
        switch (claim.kind) {
          case Kind::kDone:
            return CompleteKey(leader.local_key, std::move(claim.task));
          case Kind::kConflict:
            return CompleteKey(leader.local_key, KeyReused(leader.key));
          case Kind::kWaitTimedOut:
            return CompleteKey(leader.local_key, KeyInFlight(leader.key));
          case Kind::kUnavailable:
            // Today's protection: the external_task_id and the upstream's
            // duplicate refusal.
            return Create(std::make_shared<const Leader>(std::move(leader)),
                          request);
          case Kind::kOwned:
          case Kind::kUnknown:
            break;
        }
        leader.lease = std::move(claim.lease);
        leader.owns_lease = true;
        const bool look_up_first =
            claim.kind == Kind::kUnknown || claim.took_over;
        auto owner = std::make_shared<const Leader>(std::move(leader));
        if (look_up_first) {
          LookUpThenCreate(owner, request);
        } else {
          Create(owner, request);
        }
      });
}

void IdempotentCreateClient::LookUpThenCreate(
    const std::shared_ptr<const Leader>& leader, const CreateRequest& request) {
  // A previous owner may have created the task and died before storing it,
  // or our own lease step's outcome is unknown: only the upstream knows, and
  // it must be asked before any POST.
  v1::GetLipSyncTaskRequest get;
  get.set_external_task_id(leader->external_task_id);
  child()->GetLipSyncTask(
      std::make_shared<CallContext>(leader->deadline, leader->trace), get,
      [this, leader, request](absl::StatusOr<v1::LipSyncTask> task) {
        if (!task.ok() && task.status().code() == absl::StatusCode::kNotFound) {
          return Create(leader, request);
        }
        Settle(*leader, std::move(task));
      });
}

void IdempotentCreateClient::Create(const std::shared_ptr<const Leader>& leader,
                                    const CreateRequest& request) {
  // Detached from the first caller's cancellation: others may have joined,
  // and an abandoned in-flight create is exactly the double-pay risk.
  auto call = std::make_shared<CallContext>(leader->deadline, leader->trace,
                                            leader->external_task_id);
  child()->CreateLipSyncTask(
      call, request, [this, leader](absl::StatusOr<v1::LipSyncTask> result) {
        if (!result.ok() && IsDuplicateRefusal(result.status())) {
          ResolveDuplicate(leader);
          return;
        }
        Settle(*leader, std::move(result));
      });
}

void IdempotentCreateClient::ResolveDuplicate(
    const std::shared_ptr<const Leader>& leader) {
  v1::GetLipSyncTaskRequest get;
  get.set_external_task_id(leader->external_task_id);
  child()->GetLipSyncTask(
      std::make_shared<CallContext>(leader->deadline, leader->trace), get,
      [this, leader](absl::StatusOr<v1::LipSyncTask> task) {
        Settle(*leader, std::move(task));
      });
}

void IdempotentCreateClient::Settle(const Leader& leader,
                                    absl::StatusOr<v1::LipSyncTask> result) {
  if (leader.owns_lease) {
    // A failure releases the lease so that a retry may try again.
    shared_->Finish(leader.shared_key, leader.lease, leader.shared_fingerprint,
                    result.ok() ? &*result : nullptr);
  }
  CompleteKey(leader.local_key, std::move(result));
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

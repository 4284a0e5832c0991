#include <functional>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "service/workflow/idempotent_create_client.h"
#include "tests/support/cord_pieces.h"

namespace lipsync::workflow {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Deep enough for the schema; stops a recursive message type.
constexpr int kMaxDepth = 4;

// A value of `field` that is not its default, nor `differs_from` (0 when
// there is none).
int EnumValueOtherThan(const FieldDescriptor* field, int differs_from) {
  const google::protobuf::EnumDescriptor* type = field->enum_type();
  for (int i = 0; i < type->value_count(); ++i) {
    const int number = type->value(i)->number();
    if (number != 0 && number != differs_from) return number;
  }
  ADD_FAILURE() << field->full_name() << " has no second enum value";
  return differs_from;
}

// Appends a non-default element to repeated scalar or message `field`.
void AddElement(Message* message, const FieldDescriptor* field) {
  const Reflection& r = *message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r.AddInt32(message, field, 7);
    case FieldDescriptor::CPPTYPE_INT64:
      return r.AddInt64(message, field, 7);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r.AddUInt32(message, field, 7);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r.AddUInt64(message, field, 7);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r.AddDouble(message, field, 0.5);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r.AddFloat(message, field, 0.5F);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.AddBool(message, field, true);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r.AddEnumValue(message, field, EnumValueOtherThan(field, 0));
    case FieldDescriptor::CPPTYPE_STRING:
      return r.AddString(message, field, "x");
    case FieldDescriptor::CPPTYPE_MESSAGE:
      r.AddMessage(message, field);
      return;
  }
}

// Gives singular `field` a value other than its current one; a message
// field is cleared when present, else made present.
void ChangeSingular(Message* message, const FieldDescriptor* field) {
  const Reflection& r = *message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r.SetInt32(message, field, r.GetInt32(*message, field) + 1);
    case FieldDescriptor::CPPTYPE_INT64:
      return r.SetInt64(message, field, r.GetInt64(*message, field) + 1);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r.SetUInt32(message, field, r.GetUInt32(*message, field) + 1);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r.SetUInt64(message, field, r.GetUInt64(*message, field) + 1);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r.SetDouble(message, field, r.GetDouble(*message, field) + 0.5);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r.SetFloat(message, field, r.GetFloat(*message, field) + 0.5F);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.SetBool(message, field, !r.GetBool(*message, field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return r.SetEnumValue(
          message, field,
          EnumValueOtherThan(field, r.GetEnumValue(*message, field)));
    case FieldDescriptor::CPPTYPE_STRING:
      return r.SetString(message, field, r.GetString(*message, field) + "x");
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (r.HasField(*message, field)) {
        r.ClearField(message, field);
      } else {
        r.MutableMessage(message, field);
      }
      return;
  }
}

void Change(Message* message, const FieldDescriptor* field) {
  if (field->is_repeated()) {
    AddElement(message, field);
  } else {
    ChangeSingular(message, field);
  }
}

// Sets every field, recursively, to a non-default value: each repeated
// field gets one element, each message field is present.
void Populate(Message* message, int depth) {
  const Descriptor* type = message->GetDescriptor();
  const Reflection& r = *message->GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      Change(message, field);
    } else if (depth < kMaxDepth) {
      Populate(field->is_repeated() ? r.AddMessage(message, field)
                                    : r.MutableMessage(message, field),
               depth + 1);
    }
  }
}

struct Mutation {
  std::string path;
  std::function<void(Message*)> apply;
};

// One mutation per field below `type` (reached from the root message by
// `locate`), recursively into message fields and repeated messages' first
// element.
void CollectMutations(const Descriptor* type,
                      const std::function<Message*(Message*)>& locate,
                      const std::string& prefix, int depth,
                      std::vector<Mutation>* out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string path = prefix + field->name();
    out->push_back({path, [locate, field](Message* root) {
                      Change(locate(root), field);
                    }});
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        depth >= kMaxDepth) {
      continue;
    }
    std::function<Message*(Message*)> inner;
    if (field->is_repeated()) {
      inner = [locate, field](Message* root) {
        Message* m = locate(root);
        return m->GetReflection()->MutableRepeatedMessage(m, field, 0);
      };
    } else {
      inner = [locate, field](Message* root) {
        Message* m = locate(root);
        return m->GetReflection()->MutableMessage(m, field);
      };
    }
    CollectMutations(field->message_type(), inner,
                     path + (field->is_repeated() ? "[0]." : "."), depth + 1,
                     out);
  }
}

// Every field of the schema, present or future, changes the fingerprint,
// except request_id (the key itself).
TEST(CreateRequestFingerprintTest, EveryFieldButRequestIdCounts) {
  v1::CreateLipSyncTaskRequest base;
  Populate(&base, 0);
  const uint64_t base_fingerprint = CreateRequestFingerprint(base);

  std::vector<Mutation> mutations;
  CollectMutations(
      v1::CreateLipSyncTaskRequest::descriptor(),
      [](Message* root) { return root; }, "", 0, &mutations);
  std::vector<std::string> paths;
  for (const Mutation& mutation : mutations) {
    paths.push_back(mutation.path);
    v1::CreateLipSyncTaskRequest changed = base;
    mutation.apply(&changed);
    ASSERT_NE(changed.SerializeAsString(), base.SerializeAsString())
        << mutation.path << " was not changed by the test";
    if (mutation.path == "request_id") {
      EXPECT_EQ(CreateRequestFingerprint(changed), base_fingerprint);
    } else {
      EXPECT_NE(CreateRequestFingerprint(changed), base_fingerprint)
          << mutation.path << " does not count in the fingerprint";
    }
  }
  // The walk reached the nested fields (a sample, not the list).
  EXPECT_THAT(paths,
              ::testing::IsSupersetOf(
                  {"request_id", "face_choose", "watermark_info",
                   "watermark_info.enabled", "face_choose[0].sound_file_bytes",
                   "face_choose[0].sound_volume"}));
}

// A field with presence: unset and set to its default are different
// requests (the upstream then gets the field, or not).
TEST(CreateRequestFingerprintTest, PresenceCounts) {
  v1::CreateLipSyncTaskRequest a;
  a.add_face_choose()->set_face_id("f");
  v1::CreateLipSyncTaskRequest b = a;
  b.mutable_face_choose(0)->set_sound_start_time(0);
  EXPECT_NE(CreateRequestFingerprint(a), CreateRequestFingerprint(b));
  v1::CreateLipSyncTaskRequest c = a;
  c.mutable_watermark_info();
  EXPECT_NE(CreateRequestFingerprint(a), CreateRequestFingerprint(c));
}

// The same value in another field is another request.
TEST(CreateRequestFingerprintTest, FieldsAreNotInterchangeable) {
  v1::CreateLipSyncTaskRequest a;
  a.add_face_choose()->set_face_id("x");
  v1::CreateLipSyncTaskRequest b;
  b.add_face_choose()->set_audio_id("x");
  EXPECT_NE(CreateRequestFingerprint(a), CreateRequestFingerprint(b));
}

// The edge hands the audio over as a Cord of gRPC's slices: its content
// counts, not its chunks, and it counts as the message's own field would.
TEST(CreateRequestFingerprintTest, AudioCountsByContentWhereverItLies) {
  const std::string audio(100000, 'a');
  v1::CreateLipSyncTaskRequest carried;
  carried.set_request_id("k");
  carried.add_face_choose()->set_sound_file_bytes(audio);
  v1::CreateLipSyncTaskRequest skeleton = carried;
  skeleton.mutable_face_choose(0)->clear_sound_file_bytes();

  const uint64_t want = CreateRequestFingerprint(carried);
  EXPECT_EQ(
      CreateRequestFingerprint(CreateRequest(skeleton, {absl::Cord(audio)})),
      want);
  EXPECT_EQ(CreateRequestFingerprint(
                CreateRequest(skeleton, {testing::CordInPieces(audio, 1000)})),
            want);
  EXPECT_NE(CreateRequestFingerprint(
                CreateRequest(skeleton, {absl::Cord(audio + "b")})),
            want);
  // Below the edge the message's own field is ignored; the Cord is the audio.
  EXPECT_EQ(CreateRequestFingerprint(CreateRequest(carried, {absl::Cord()})),
            CreateRequestFingerprint(skeleton));
}

}  // namespace
}  // namespace lipsync::workflow

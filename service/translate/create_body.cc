#include "service/translate/create_body.h"

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "service/common/base64.h"
#include "service/common/streamed_body.h"
#include "service/translate/json_text.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;

// Each body is described once, by Emit*(sink), and run twice: through a
// SizeSink to learn the exact size, then through an AppendSink into a buffer
// reserved to that size. One description cannot disagree with itself.
//
// Copies of the audio on the way to the wire (the only data that matters):
// - `sound_file_bytes` (an absl::Cord: gRPC's received slices at the edge):
//   flattened once, then read once by Base64EncodeTo, which writes straight
//   into the final body (this builder is the tests' reference, off the hot
//   path). No intermediate Base64 string exists.
// - `sound_file` (Base64 text or URL): scanned once for the size (read only),
//   then copied once into the body by AppendJsonString (one memcpy: Base64
//   needs no escaping).
// The body then moves into the HTTP request; libcurl sends it from there.
// The gateway itself sends StreamCreateTaskBody instead (same bytes, no body
// string: the Base64 is written into libcurl's upload buffer as it is sent);
// BuildCreateTaskBody stays the reference the stream is tested against.

class SizeSink {
 public:
  void Raw(absl::string_view s) { size_ += s.size(); }
  void String(absl::string_view s) { size_ += JsonStringSize(s); }
  void Base64String(const absl::Cord& raw) {
    size_ += 2 + Base64EncodedSize(raw.size());
  }
  void Int(int64_t v) { size_ += JsonIntSize(v); }
  void Number(double v) { size_ += JsonNumberSize(v); }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

class AppendSink {
 public:
  explicit AppendSink(std::string* out) : out_(out) {}
  void Raw(absl::string_view s) { out_->append(s.data(), s.size()); }
  void String(absl::string_view s) { AppendJsonString(out_, s); }
  void Base64String(const absl::Cord& raw) {
    out_->push_back('"');
    const std::size_t at = out_->size();
    out_->resize(at + Base64EncodedSize(raw.size()));  // within capacity
    const std::string flat(raw);
    Base64EncodeTo(flat, out_->data() + at);
    out_->push_back('"');
  }
  void Int(int64_t v) { AppendJsonInt(out_, v); }
  void Number(double v) { AppendJsonNumber(out_, v); }

 private:
  std::string* out_;
};

// Describes the body instead of building it: JSON text is collected into
// literal pieces, the audio becomes "Base64 of these bytes" pieces that
// reference `sound_file_bytes` where it is (no copy, no 6.7 MB string).
class StreamSink {
 public:
  explicit StreamSink(StreamedBody* out) : out_(out) {}
  void Raw(absl::string_view s) { out_->AppendText(s); }
  void String(absl::string_view s) {
    scratch_.clear();
    AppendJsonString(&scratch_, s);
    out_->AppendText(scratch_);
  }
  void Base64String(const absl::Cord& raw) {
    out_->AppendText("\"");
    out_->AppendBase64Of(raw);
    out_->AppendText("\"");
  }
  void Int(int64_t v) {
    scratch_.clear();
    AppendJsonInt(&scratch_, v);
    out_->AppendText(scratch_);
  }
  void Number(double v) {
    scratch_.clear();
    AppendJsonNumber(&scratch_, v);
    out_->AppendText(scratch_);
  }

 private:
  StreamedBody* out_;
  std::string scratch_;
};

// Writes `{`, the keys with their separators, and `}`. Keys are constant
// identifiers that need no escaping.
template <typename Sink>
class ObjectWriter {
 public:
  explicit ObjectWriter(Sink& sink) : sink_(sink) { sink_.Raw("{"); }
  ~ObjectWriter() { sink_.Raw("}"); }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  Sink& Key(absl::string_view key) {
    sink_.Raw(first_ ? "\"" : ",\"");
    first_ = false;
    sink_.Raw(key);
    sink_.Raw("\":");
    return sink_;
  }
  void NonEmptyString(absl::string_view key, absl::string_view value) {
    if (!value.empty()) Key(key).String(value);
  }

 private:
  Sink& sink_;
  bool first_ = true;
};

template <typename Sink>
void EmitFace(const v1::FaceChoose& face, const absl::Cord& sound_file_bytes,
              Sink& sink) {
  ObjectWriter<Sink> o(sink);
  o.NonEmptyString("face_id", face.face_id());
  o.NonEmptyString("audio_id", face.audio_id());
  if (!face.sound_file().empty()) {
    o.Key("sound_file").String(face.sound_file());
  } else if (!sound_file_bytes.empty()) {
    o.Key("sound_file").Base64String(sound_file_bytes);
  }
  if (face.has_sound_start_time()) {
    o.Key("sound_start_time").Int(face.sound_start_time());
  }
  if (face.has_sound_end_time()) {
    o.Key("sound_end_time").Int(face.sound_end_time());
  }
  if (face.has_sound_insert_time()) {
    o.Key("sound_insert_time").Int(face.sound_insert_time());
  }
  if (face.has_sound_volume()) {
    o.Key("sound_volume").Number(face.sound_volume());
  }
  if (face.has_original_audio_volume()) {
    o.Key("original_audio_volume").Number(face.original_audio_volume());
  }
}

template <typename Sink>
void EmitCreate(const CreateRequest& create,
                absl::string_view external_task_id_if_unset, Sink& sink) {
  const v1::CreateLipSyncTaskRequest& request = create.message();
  ObjectWriter<Sink> o(sink);
  o.NonEmptyString("session_id", request.session_id());
  o.Key("face_choose").Raw("[");
  for (int i = 0; i < request.face_choose_size(); ++i) {
    if (i > 0) sink.Raw(",");
    EmitFace(request.face_choose(i), create.sound_file_bytes(i), sink);
  }
  sink.Raw("]");
  o.NonEmptyString("external_task_id", request.external_task_id().empty()
                                           ? external_task_id_if_unset
                                           : request.external_task_id());
  o.NonEmptyString("callback_url", request.callback_url());
  if (request.has_watermark_info()) {
    o.Key("watermark_info")
        .Raw(request.watermark_info().enabled() ? "{\"enabled\":true}"
                                                : "{\"enabled\":false}");
  }
}

template <typename Sink>
void EmitIdentify(const v1::IdentifyFaceRequest& request, Sink& sink) {
  ObjectWriter<Sink> o(sink);
  o.NonEmptyString("video_id", request.video_id());
  o.NonEmptyString("video_url", request.video_url());
}

template <typename Request, typename Emit>
std::string Build(const Request& request, Emit emit) {
  SizeSink size;
  emit(request, size);
  std::string body;
  body.reserve(size.size());
  AppendSink append(&body);
  emit(request, append);
  return body;
}

}  // namespace

std::string BuildCreateTaskBody(const CreateRequest& request,
                                absl::string_view external_task_id_if_unset) {
  return Build(request, [external_task_id_if_unset](const auto& r, auto& sink) {
    EmitCreate(r, external_task_id_if_unset, sink);
  });
}

StreamedBody StreamCreateTaskBody(const CreateRequest& request,
                                  absl::string_view external_task_id_if_unset) {
  StreamedBody body;
  StreamSink sink(&body);
  EmitCreate(request, external_task_id_if_unset, sink);
  return body;
}

std::string BuildIdentifyFaceBody(const v1::IdentifyFaceRequest& request) {
  return Build(request,
               [](const auto& r, auto& sink) { EmitIdentify(r, sink); });
}

}  // namespace lipsync::translate

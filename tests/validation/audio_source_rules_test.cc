#include "service/validation/audio_source_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/base64.h"
#include "service/common/limits.h"
#include "tests/validation/test_requests.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::FaceChoose;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kFace[] = "face_choose[0]";
constexpr char kSoundFile[] = "face_choose[0].sound_file";

// The rules take the size of `sound_file_bytes` apart from the message (the
// gateway holds the bytes apart); here the message carries them.
FieldViolations Check(const FaceChoose& face) {
  FieldViolations out;
  CheckAudioSource(face, face.sound_file_bytes().size(), kFace, out);
  return out;
}

AudioSource Classify(const FaceChoose& face) {
  return ClassifyAudioSource(face, face.sound_file_bytes().size());
}

FaceChoose WithSoundFile(std::string value) {
  FaceChoose face;
  face.set_sound_file(std::move(value));
  return face;
}

FaceChoose WithBytes(std::string value) {
  FaceChoose face;
  face.set_sound_file_bytes(std::move(value));
  return face;
}

TEST(ClassifyAudioSourceTest, NamesTheSourceInUse) {
  FaceChoose none;
  EXPECT_EQ(Classify(none), AudioSource::kNone);
  FaceChoose id;
  id.set_audio_id("825451760499568680");
  EXPECT_EQ(Classify(id), AudioSource::kAudioId);
  EXPECT_EQ(Classify(WithSoundFile("HTTPS://x/a.mp3")), AudioSource::kUrl);
  EXPECT_EQ(Classify(WithSoundFile("http://x/a.mp3")), AudioSource::kUrl);
  EXPECT_EQ(Classify(WithSoundFile("SUQzBA==")), AudioSource::kBase64);
  EXPECT_EQ(Classify(WithBytes("ID3")), AudioSource::kBytes);
  FaceChoose two = WithBytes("ID3");
  two.set_audio_id("1");
  EXPECT_EQ(Classify(two), AudioSource::kSeveral);
  EXPECT_EQ(AudioSourceName(AudioSource::kBase64), "base64");
}

TEST(AudioSourceChoiceTest, AcceptsExactlyOneSource) {
  FaceChoose id;
  id.set_audio_id("825451760499568680");
  EXPECT_THAT(Check(id), IsEmpty());
  EXPECT_THAT(Check(WithSoundFile("https://cdn.example.com/a.mp3")), IsEmpty());
  EXPECT_THAT(Check(WithSoundFile(Base64Encode("ID3 audio"))), IsEmpty());
  EXPECT_THAT(Check(WithBytes("ID3 audio")), IsEmpty());
}

TEST(AudioSourceChoiceTest, RejectsNoneBothAndAllThree) {
  EXPECT_THAT(Check(FaceChoose()),
              ElementsAre(ViolationOf(kFace,
                                      "exactly one of audio_id, "
                                      "sound_file, sound_file_bytes "
                                      "must be set; none is")));
  FaceChoose both;
  both.set_audio_id("825451760499568680");
  both.set_sound_file("https://cdn.example.com/a.mp3");
  EXPECT_THAT(Check(both), ElementsAre(ViolationOf(
                               kFace, "audio_id and sound_file are both set")));
  FaceChoose all = both;
  all.set_sound_file_bytes("ID3");
  EXPECT_THAT(Check(all),
              ElementsAre(ViolationOf(
                  kFace,
                  "audio_id and sound_file and sound_file_bytes are "
                  "all set")));
}

TEST(AudioSourceChoiceTest, StillChecksEachSetSourceWhenSeveralAreSet) {
  FaceChoose face;
  face.set_audio_id("a\nb");
  face.set_sound_file("data:audio/mp3;base64,SUQz");
  face.set_sound_file_bytes(std::string(kMaxAudioBytes + 1, 'x'));
  EXPECT_THAT(Check(face),
              ElementsAre(ViolationOf(kFace, "all set"),
                          ViolationOf("face_choose[0].audio_id", "control"),
                          ViolationOf(kSoundFile, "data:"),
                          ViolationOf("face_choose[0].sound_file_bytes")));
}

TEST(SoundFileTest, RejectsDataUriPrefixWithItsOwnMessage) {
  for (const char* value : {"data:audio/mpeg;base64,SUQzBA==",
                            "DATA:audio/wav;base64,UklGRg==", "data:,SUQz"}) {
    EXPECT_THAT(
        Check(WithSoundFile(value)),
        ElementsAre(ViolationOf(kSoundFile,
                                "remove the data:...;base64, prefix; send only "
                                "the Base64 text")))
        << value;
  }
}

TEST(SoundFileTest, RejectsBadBase64WithThePrefixedDecoderMessage) {
  struct Case {
    std::string value;
    std::string expected;
  };
  const Case cases[] = {
      {"SUQz-A__", "URL-safe Base64 is not accepted"},
      {"SUQzBA", "not a multiple of 4"},

      {"SU=zBA==", "invalid Base64"},
      {"SUR=", "non-canonical padding"},
      {"====", "invalid Base64"},
      {"\xFF\xFF\xFF\xFF", "byte 0xFF"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(Check(WithSoundFile(c.value)),
                ElementsAre(ViolationOf(
                    kSoundFile,
                    "is not an http(s) URL, so it must be Base64 audio, but: "
                    "invalid Base64")))
        << c.value;
    EXPECT_THAT(Check(WithSoundFile(c.value)),
                ElementsAre(ViolationOf(kSoundFile, c.expected)))
        << c.value;
  }
}

TEST(SoundFileTest, RejectsLineWrappedBase64WithItsOwnMessage) {
  for (const char* value :
       {"SUQz\nBA==", "SUQz BA=", "SUQzBA==\r\n", "\tSUQz"}) {
    EXPECT_THAT(
        Check(WithSoundFile(value)),
        ElementsAre(ViolationOf(kSoundFile, "contains whitespace (byte 0x")))
        << value;
    EXPECT_THAT(Check(WithSoundFile(value)),
                ElementsAre(ViolationOf(kSoundFile, "without line breaks")));
  }
}

TEST(SoundFileTest, RejectsOtherUriSchemes) {
  for (const char* value : {"ftp://example.com/a.mp3", "file:///tmp/a.mp3",
                            "javascript:alert(1)", "s3://bucket/a.mp3"}) {
    EXPECT_THAT(Check(WithSoundFile(value)),
                ElementsAre(ViolationOf(kSoundFile, "is not supported")))
        << value;
  }
}

TEST(SoundFileTest, AppliesUrlRulesToHttpUrls) {
  EXPECT_THAT(Check(WithSoundFile("https://user:pass@cdn.example.com/a.mp3")),
              ElementsAre(ViolationOf(kSoundFile, "credentials")));
  EXPECT_THAT(Check(WithSoundFile("http:///a.mp3")),
              ElementsAre(ViolationOf(kSoundFile, "must have a host")));
  EXPECT_THAT(Check(WithSoundFile("http:/cdn.example.com/a.mp3")),
              ElementsAre(ViolationOf(kSoundFile, "must have \"//\"")));
}

TEST(SoundFileTest, AcceptsFiveMiBOfBase64AudioAndRejectsOneByteMore) {
  const std::string limit = Base64Encode(std::string(kMaxAudioBytes, '\x01'));
  EXPECT_EQ(limit.size(), kMaxAudioBase64Chars);
  EXPECT_THAT(Check(WithSoundFile(limit)), IsEmpty());

  const std::string over =
      Base64Encode(std::string(kMaxAudioBytes + 1, '\x01'));
  EXPECT_THAT(
      Check(WithSoundFile(over)),
      ElementsAre(ViolationOf(kSoundFile,
                              "decodes to 5242881 bytes of audio; at most "
                              "5242880 bytes (5 MiB) are accepted")));
}

TEST(SoundFileTest, ReportsOversizedInvalidBase64ByItsLengthToo) {
  std::string value(kMaxAudioBase64Chars + 4, 'A');
  value[7] = '-';
  EXPECT_THAT(Check(WithSoundFile(value)),
              ElementsAre(ViolationOf(kSoundFile, "URL-safe"),
                          ViolationOf(kSoundFile, "Base64 characters")));
}

TEST(SoundFileBytesTest, AcceptsFiveMiBAndRejectsOneByteMore) {
  EXPECT_THAT(Check(WithBytes(std::string(kMaxAudioBytes, '\0'))), IsEmpty());
  EXPECT_THAT(Check(WithBytes(std::string(kMaxAudioBytes + 1, '\0'))),
              ElementsAre(ViolationOf(
                  "face_choose[0].sound_file_bytes",
                  "is 5242881 bytes of audio; at most 5242880 bytes")));
}

}  // namespace
}  // namespace lipsync::validation

#include "tests/audio/audio_bytes.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "service/audio/mpeg_audio_header.h"

namespace lipsync::audio::testing {
namespace {

std::string Le(uint64_t v, int width) {
  std::string out;
  for (int i = 0; i < width; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

std::string Be(uint64_t v, int width) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) {
    out.push_back(static_cast<char>(v >> (8 * i)));
  }
  return out;
}

std::string Zeros(size_t n) { return std::string(n, '\0'); }

}  // namespace

std::string U16Le(uint16_t v) { return Le(v, 2); }
std::string U32Le(uint32_t v) { return Le(v, 4); }
std::string U64Le(uint64_t v) { return Le(v, 8); }
std::string U16Be(uint16_t v) { return Be(v, 2); }
std::string U32Be(uint32_t v) { return Be(v, 4); }
std::string U64Be(uint64_t v) { return Be(v, 8); }

std::string RiffChunk(absl::string_view id, absl::string_view payload) {
  std::string out = RiffChunkHeader(id, static_cast<uint32_t>(payload.size()));
  absl::StrAppend(&out, payload);
  if (payload.size() % 2 == 1) out.push_back('\0');
  return out;
}

std::string RiffChunkHeader(absl::string_view id, uint32_t declared_size) {
  return absl::StrCat(id, U32Le(declared_size));
}

std::string PcmFmt(uint16_t channels, uint32_t rate, uint16_t bits,
                   uint16_t format_tag) {
  const uint16_t block_align =
      static_cast<uint16_t>(channels * ((bits + 7) / 8));
  return absl::StrCat(U16Le(format_tag), U16Le(channels), U32Le(rate),
                      U32Le(rate * block_align), U16Le(block_align),
                      U16Le(bits));
}

std::string RiffWave(absl::string_view chunks) {
  return absl::StrCat("RIFF", U32Le(static_cast<uint32_t>(4 + chunks.size())),
                      "WAVE", chunks);
}

std::string MakePcmWav(uint16_t channels, uint32_t rate, uint16_t bits,
                       uint32_t frames) {
  const size_t block_align = channels * ((bits + 7) / 8);
  return RiffWave(absl::StrCat(RiffChunk("fmt ", PcmFmt(channels, rate, bits)),
                               RiffChunk("data", Zeros(frames * block_align))));
}

std::string Box(absl::string_view type, absl::string_view payload) {
  return absl::StrCat(U32Be(static_cast<uint32_t>(8 + payload.size())), type,
                      payload);
}

std::string FullBox(absl::string_view type, uint8_t version,
                    absl::string_view payload) {
  return Box(type, absl::StrCat(U32Be(uint32_t{version} << 24), payload));
}

std::string Ftyp(absl::string_view major, absl::string_view compatible) {
  return Box("ftyp", absl::StrCat(major, U32Be(0), compatible));
}

std::string Moov(const M4aSpec& spec, uint64_t chunk_offset) {
  const bool v1 = spec.header_version == 1;
  auto time = [&](uint64_t v) {
    return v1 ? U64Be(v) : U32Be(static_cast<uint32_t>(v));
  };
  const std::string mvhd =
      FullBox("mvhd", spec.header_version,
              absl::StrCat(time(0), time(0), U32Be(spec.movie_timescale),
                           time(spec.movie_duration), Zeros(80)));
  const std::string tkhd =
      FullBox("tkhd", spec.header_version,
              absl::StrCat(time(0), time(0), U32Be(1), U32Be(0),
                           time(spec.track_duration), Zeros(60)));
  const std::string mdhd =
      FullBox("mdhd", spec.header_version,
              absl::StrCat(time(0), time(0), U32Be(spec.media_timescale),
                           time(spec.media_duration), Zeros(4)));
  const std::string hdlr =
      FullBox("hdlr", 0, absl::StrCat(U32Be(0), spec.handler, Zeros(13)));
  const std::string mp4a = Box(
      "mp4a", absl::StrCat(Zeros(6), U16Be(1), Zeros(8), U16Be(spec.channels),
                           U16Be(16), Zeros(4), U32Be(spec.sample_rate << 16)));
  const std::string stsd = FullBox("stsd", 0, absl::StrCat(U32Be(1), mp4a));
  const std::string stco = FullBox(
      "stco", 0,
      absl::StrCat(U32Be(1), U32Be(static_cast<uint32_t>(chunk_offset))));
  const std::string minf =
      spec.with_sample_table
          ? Box("minf", Box("stbl", absl::StrCat(stsd, stco)))
          : Box("minf", "");
  const std::string trak = Box(
      "trak", absl::StrCat(tkhd, Box("mdia", absl::StrCat(mdhd, hdlr, minf))));
  return Box("moov", absl::StrCat(mvhd, trak, spec.extra_moov_children));
}

std::string MakeM4a(const M4aSpec& spec) {
  const std::string ftyp = Ftyp(spec.major_brand, "isomM4A mp42");
  const std::string mdat = Box("mdat", Zeros(spec.mdat_payload));
  // The moov size does not depend on the chunk offset it records.
  const size_t moov_size = Moov(spec, 0).size();
  if (spec.mdat_first) {
    return absl::StrCat(ftyp, mdat, Moov(spec, ftyp.size() + 8));
  }
  return absl::StrCat(ftyp, Moov(spec, ftyp.size() + moov_size + 8), mdat);
}

std::string MpegFrame(uint32_t word) {
  const std::optional<MpegAudioHeader> h = DecodeMpegAudioHeader(word);
  if (!h.has_value()) return "invalid-header-in-test";
  return absl::StrCat(U32Be(word), Zeros(h->frame_size - 4));
}

std::string AdtsFrame(int rate_index, int channel_config, uint32_t frame_length,
                      int raw_blocks) {
  // syncword, MPEG-4, layer 0, protection absent; profile LC (1).
  uint64_t bits = 0xFFF;
  bits = (bits << 1) | 0;  // ID
  bits = (bits << 2) | 0;  // layer
  bits = (bits << 1) | 1;  // no CRC
  bits = (bits << 2) | 1;  // profile
  bits = (bits << 4) | static_cast<uint64_t>(rate_index);
  bits = (bits << 1) | 0;  // private
  bits = (bits << 3) | static_cast<uint64_t>(channel_config);
  bits = (bits << 4) | 0;  // copy bits
  bits = (bits << 13) | frame_length;
  bits = (bits << 11) | 0x7FF;  // fullness
  bits = (bits << 2) | static_cast<uint64_t>(raw_blocks - 1);
  std::string out = Be(bits, 7);
  if (frame_length > 7) out.append(frame_length - 7, '\x21');
  return out;
}

std::string Id3v2Tag(uint32_t body_size, bool footer) {
  std::string out = "ID3";
  out.push_back(4);
  out.push_back(0);
  out.push_back(footer ? 0x10 : 0);
  for (int shift = 21; shift >= 0; shift -= 7) {
    out.push_back(static_cast<char>((body_size >> shift) & 0x7F));
  }
  out.append(body_size, '\0');
  if (footer) {
    std::string f = out.substr(0, 10);
    f[0] = '3';
    f[1] = 'D';
    f[2] = 'I';
    out += f;
  }
  return out;
}

}  // namespace lipsync::audio::testing

#include "service/audio/wav_parser.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kWav = "WAV";
constexpr size_t kRiffHeaderSize = 12;
constexpr size_t kChunkHeaderSize = 8;
constexpr size_t kMinFmtSize = 16;
// cbSize (2) + valid bits (2) + channel mask (4) + sub-format GUID (16).
constexpr size_t kExtensibleFmtSize = 40;
constexpr uint16_t kFormatPcm = 0x0001;
constexpr uint16_t kFormatIeeeFloat = 0x0003;
constexpr uint16_t kFormatAlaw = 0x0006;
constexpr uint16_t kFormatMulaw = 0x0007;
constexpr uint16_t kFormatExtensible = 0xFFFE;
// Writers that cannot seek back put a placeholder in the data size.
constexpr uint32_t kFfmpegStreamingSize = 0xFFFFFFFF;
constexpr uint32_t kSoxUnknownSize = 0x7FFFF000;
// Nothing records above this; a larger value is a corrupt header, and the
// bound keeps sample_rate_hz inside an int.
constexpr uint32_t kMaxSampleRateHz = 768000;

struct WavFormat {
  uint16_t codec = 0;  // After resolving WAVE_FORMAT_EXTENSIBLE.
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint32_t byte_rate = 0;
  uint16_t block_align = 0;
};

bool IsPcmLike(uint16_t codec) {
  return codec == kFormatPcm || codec == kFormatIeeeFloat ||
         codec == kFormatAlaw || codec == kFormatMulaw;
}

// `fmt` holds the first min(chunk_size, 40) bytes of the chunk's body.
absl::StatusOr<WavFormat> ParseFmt(absl::string_view fmt, uint32_t chunk_size) {
  if (chunk_size < kMinFmtSize) {
    return CorruptError(kWav, absl::StrCat("fmt chunk is ", chunk_size,
                                           " bytes, needs at least 16"));
  }
  ByteReader r(fmt);
  WavFormat f;
  f.codec = *r.ReadU16Le();
  f.channels = *r.ReadU16Le();
  f.sample_rate = *r.ReadU32Le();
  f.byte_rate = *r.ReadU32Le();
  f.block_align = *r.ReadU16Le();
  if (f.codec == kFormatExtensible) {
    if (chunk_size < kExtensibleFmtSize) {
      return CorruptError(
          kWav, absl::StrCat("WAVE_FORMAT_EXTENSIBLE fmt chunk is ", chunk_size,
                             " bytes, needs 40"));
    }
    // The first two bytes of the sub-format GUID are the real codec.
    f.codec = *LoadU16Le(fmt, 24);
  }
  if (f.channels == 0) return CorruptError(kWav, "fmt declares 0 channels");
  if (f.sample_rate == 0 || f.sample_rate > kMaxSampleRateHz) {
    return CorruptError(kWav, absl::StrCat("sample rate ", f.sample_rate,
                                           " Hz is outside [1, 768000]"));
  }
  if (f.block_align == 0) return CorruptError(kWav, "fmt block_align is 0");
  if (f.byte_rate == 0 && !IsPcmLike(f.codec)) {
    return CorruptError(kWav, "fmt byte_rate is 0");
  }
  return f;
}

// The bytes ParseWavFrom reads: their size, and copies of small ranges
// (headers, never the samples) that the caller has checked are inside,
// at offsets that never decrease.
class FlatBytes {
 public:
  explicit FlatBytes(absl::string_view bytes) : bytes_(bytes) {}
  size_t size() const { return bytes_.size(); }
  void Read(size_t offset, size_t n, char* out) const {
    if (n > 0) std::memcpy(out, bytes_.data() + offset, n);
  }

 private:
  absl::string_view bytes_;
};

// Reads forward from where the last read was, so a hostile file of a
// million tiny chunks costs one walk over the Cord, not one per chunk.
class CordBytes {
 public:
  explicit CordBytes(const absl::Cord& bytes)
      : bytes_(bytes), at_(0), it_(bytes.char_begin()) {}
  size_t size() const { return bytes_.size(); }
  void Read(size_t offset, size_t n, char* out) {
    if (offset < at_) {  // not expected: start over rather than misread
      it_ = bytes_.char_begin();
      at_ = 0;
    }
    absl::Cord::Advance(&it_, offset - at_);
    at_ = offset;
    while (n > 0) {
      const absl::string_view chunk = absl::Cord::ChunkRemaining(it_);
      const size_t take = std::min(chunk.size(), n);
      std::memcpy(out, chunk.data(), take);
      out += take;
      n -= take;
      at_ += take;
      absl::Cord::Advance(&it_, take);
    }
  }

 private:
  const absl::Cord& bytes_;
  size_t at_;  // offset of it_
  absl::Cord::CharIterator it_;
};

// A WAV file is a short header, chunk headers and the samples: only the
// headers are read (copied into small arrays), so the samples may lie in
// one buffer or in many pieces.
template <typename Bytes>
absl::StatusOr<AudioInfo> ParseWavFrom(Bytes bytes) {
  char header_bytes[kRiffHeaderSize];
  const absl::string_view header(header_bytes,
                                 std::min(bytes.size(), kRiffHeaderSize));
  bytes.Read(0, header.size(), header_bytes);
  const bool rf64 = HasTagAt(header, 0, "RF64");
  if (!HasTagAt(header, 0, "RIFF") && !rf64) {
    return NotRecognisedError("no RIFF header");
  }
  if (bytes.size() < kRiffHeaderSize) {
    return TruncatedError(kWav, absl::StrCat("RIFF header needs 12 bytes, ",
                                             bytes.size(), " present"));
  }
  if (!HasTagAt(header, 8, "WAVE")) {
    return NotRecognisedError(absl::StrCat(
        "RIFF form type ", QuoteTag(header.substr(8, 4)), ", not 'WAVE'"));
  }

  std::optional<WavFormat> format;
  std::optional<uint64_t> data_size;
  std::optional<uint32_t> fact_samples;
  std::optional<uint64_t> ds64_data_size;
  size_t pos = kRiffHeaderSize;
  // Each step advances by at least one chunk header, so this loop is bounded
  // by bytes.size() / 8 even on hostile input.
  while (!(format.has_value() && data_size.has_value())) {
    if (bytes.size() - pos < kChunkHeaderSize) {
      if (!format.has_value()) {
        return TruncatedError(kWav, "no fmt chunk before the end of the file");
      }
      return TruncatedError(kWav, "no data chunk before the end of the file");
    }
    char chunk_header[kChunkHeaderSize];
    bytes.Read(pos, kChunkHeaderSize, chunk_header);
    const absl::string_view id(chunk_header, 4);
    const uint32_t chunk_size =
        *LoadU32Le(absl::string_view(chunk_header, kChunkHeaderSize), 4);
    const size_t body = pos + kChunkHeaderSize;
    const size_t available = bytes.size() - body;

    if (id == "data") {
      uint64_t declared = chunk_size;
      if (rf64 && chunk_size == 0xFFFFFFFF && ds64_data_size.has_value()) {
        declared = *ds64_data_size;
      } else if (chunk_size == kFfmpegStreamingSize ||
                 chunk_size == kSoxUnknownSize) {
        declared = available;
      }
      if (declared > available) {
        return TruncatedError(
            kWav, absl::StrCat("data chunk declares ", declared, " bytes, ",
                               available, " present"));
      }
      data_size = declared;
      // fmt normally comes first; if not, keep walking after the audio.
      pos = body + static_cast<size_t>(declared);
      if (!format.has_value() && (declared & 1) && pos < bytes.size()) ++pos;
      continue;
    }

    if (chunk_size > available) {
      return TruncatedError(
          kWav, absl::StrCat(QuoteTag(id), " chunk declares ", chunk_size,
                             " bytes, ", available, " present"));
    }
    if (id == "fmt ") {
      if (format.has_value()) return CorruptError(kWav, "two fmt chunks");
      char fmt[kExtensibleFmtSize];
      const size_t fmt_size = std::min<size_t>(chunk_size, kExtensibleFmtSize);
      bytes.Read(body, fmt_size, fmt);
      absl::StatusOr<WavFormat> parsed =
          ParseFmt(absl::string_view(fmt, fmt_size), chunk_size);
      if (!parsed.ok()) return parsed.status();
      format = *parsed;
    } else if (id == "fact" && chunk_size >= 4) {
      char samples[4];
      bytes.Read(body, sizeof samples, samples);
      fact_samples = *LoadU32Le(absl::string_view(samples, sizeof samples), 0);
    } else if (id == "ds64" && rf64 && chunk_size >= 24) {
      // riff size (8), data size (8), sample count (8).
      char data_size_bytes[8];
      bytes.Read(body + 8, sizeof data_size_bytes, data_size_bytes);
      ds64_data_size = *LoadU64Le(
          absl::string_view(data_size_bytes, sizeof data_size_bytes), 0);
    }
    // Chunks are padded to an even size; a missing final pad byte is harmless.
    pos = body + chunk_size;
    if ((chunk_size & 1) && pos < bytes.size()) ++pos;
  }

  AudioInfo info;
  info.format = AudioFormat::kWav;
  info.sample_rate_hz = static_cast<int>(format->sample_rate);
  info.channels = format->channels;
  if (IsPcmLike(format->codec)) {
    info.duration_ms =
        UnitsToMillis(*data_size / format->block_align, format->sample_rate);
  } else if (fact_samples.has_value()) {
    info.duration_ms = UnitsToMillis(*fact_samples, format->sample_rate);
  } else {
    info.duration_ms = UnitsToMillis(*data_size, format->byte_rate);
  }
  return info;
}

}  // namespace

absl::StatusOr<AudioInfo> ParseWav(absl::string_view bytes) {
  return ParseWavFrom(FlatBytes(bytes));
}

absl::StatusOr<AudioInfo> ParseWav(const absl::Cord& bytes) {
  return ParseWavFrom(CordBytes(bytes));
}

}  // namespace lipsync::audio

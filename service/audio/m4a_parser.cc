#include "service/audio/m4a_parser.h"

#include <cstdint>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/audio/byte_reader.h"
#include "service/audio/iso_bmff_box.h"
#include "service/audio/mp4_audio_config.h"
#include "service/audio/mp4_fragments.h"
#include "service/audio/parse_error.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kM4a = "M4A";
constexpr size_t kMinFtypSize = 8;  // major brand + minor version.
// AudioSampleEntry: box header (8), reserved (6), data_reference_index (2),
// version (2), revision (2), vendor (4), channelcount (2), samplesize (2),
// compression ID (2), packet size (2), samplerate (4, 16.16) = 36 bytes; the
// QuickTime sound description versions 1 and 2 append 16 and 36 bytes.
constexpr size_t kSampleEntryVersionOffset = 16;
constexpr size_t kSampleEntryChannelsOffset = 24;
constexpr size_t kSampleEntryRateOffset = 32;
constexpr size_t kSampleEntrySizes[3] = {36, 52, 72};

struct MovieHeader {
  uint32_t timescale = 0;
  uint64_t duration = 0;  // 0 when unknown.
};

struct AudioTrack {
  uint32_t track_id = 0;
  uint64_t presentation_duration = 0;  // tkhd, in the movie timescale.
  uint32_t media_timescale = 0;        // mdhd.
  uint64_t media_duration = 0;         // mdhd, 0 when unknown.
  int channels = 0;
  uint32_t sample_rate_hz = 0;
  std::optional<uint64_t> last_chunk_offset;
};

struct TrackDefaults {
  uint32_t track_id = 0;
  uint32_t sample_duration = 0;
};

struct Movie {
  std::optional<MovieHeader> header;
  std::optional<AudioTrack> audio;
  bool fragmented = false;         // Has mvex: samples live in moof boxes.
  uint64_t fragment_duration = 0;  // mvex/mehd, in the movie timescale.
  // trex of the audio track; mvex may come before or after the traks.
  TrackDefaults trex[8];
  int trex_count = 0;
};

bool IsMp4FamilyBrand(absl::string_view brand) {
  return brand == "M4A " || brand == "M4B " || brand == "M4P " ||
         brand == "M4V " || brand == "mp41" || brand == "mp42" ||
         brand == "mp71" || brand == "avc1" || brand == "dash" ||
         brand == "MSNV" || brand == "f4a " || brand == "f4v " ||
         absl::StartsWith(brand, "iso") || absl::StartsWith(brand, "3gp") ||
         absl::StartsWith(brand, "3g2");
}

absl::Status CheckBrands(absl::string_view bytes, const IsoBox& ftyp) {
  const absl::string_view body = BoxBody(bytes, ftyp);
  if (body.size() < kMinFtypSize) return BoxTooShortError(ftyp);
  if (IsMp4FamilyBrand(body.substr(0, 4))) return absl::OkStatus();
  for (size_t pos = kMinFtypSize; body.size() - pos >= 4; pos += 4) {
    if (IsMp4FamilyBrand(body.substr(pos, 4))) return absl::OkStatus();
  }
  return NotRecognisedError(absl::StrCat(
      "ISO-BMFF brand ", QuoteTag(body.substr(0, 4)), " is not an MP4 brand"));
}

// Durations of all ones mean "unknown", as does 0.
uint64_t KnownDuration(uint64_t duration, bool is_64_bit) {
  const uint64_t unknown = is_64_bit ? ~uint64_t{0} : uint64_t{0xFFFFFFFF};
  return duration == unknown ? 0 : duration;
}

// Reads the version of a full box and positions `r` after its flags.
std::optional<bool> ReadIsVersion1(ByteReader& r) {
  const std::optional<uint32_t> version_flags = r.ReadU32Be();
  if (!version_flags.has_value()) return std::nullopt;
  return (*version_flags >> 24) == 1;
}

std::optional<uint64_t> ReadTime(ByteReader& r, bool v1) {
  return v1 ? r.ReadU64Be() : std::optional<uint64_t>(r.ReadU32Be());
}

// mvhd and mdhd share their first fields: creation and modification times,
// timescale, duration (times and duration 64-bit in version 1).
absl::StatusOr<MovieHeader> ReadTimeHeader(absl::string_view bytes,
                                           const IsoBox& box) {
  ByteReader r(BoxBody(bytes, box));
  const std::optional<bool> v1 = ReadIsVersion1(r);
  if (!v1.has_value() || !r.Skip(*v1 ? 16 : 8)) return BoxTooShortError(box);
  const std::optional<uint32_t> timescale = r.ReadU32Be();
  const std::optional<uint64_t> duration = ReadTime(r, *v1);
  if (!timescale.has_value() || !duration.has_value()) {
    return BoxTooShortError(box);
  }
  return MovieHeader{*timescale, KnownDuration(*duration, *v1)};
}

absl::Status ReadTkhd(absl::string_view bytes, const IsoBox& tkhd,
                      AudioTrack& track) {
  ByteReader r(BoxBody(bytes, tkhd));
  const std::optional<bool> v1 = ReadIsVersion1(r);
  if (!v1.has_value() || !r.Skip(*v1 ? 16 : 8)) return BoxTooShortError(tkhd);
  const std::optional<uint32_t> track_id = r.ReadU32Be();
  if (!track_id.has_value() || !r.Skip(4)) return BoxTooShortError(tkhd);
  const std::optional<uint64_t> duration = ReadTime(r, *v1);
  if (!duration.has_value()) return BoxTooShortError(tkhd);
  track.track_id = *track_id;
  track.presentation_duration = KnownDuration(*duration, *v1);
  return absl::OkStatus();
}

// Channels and rate from the first sample entry. Best effort: an entry too
// short for a field leaves it at 0 rather than failing, since codecs this
// code does not know may lay their entries out differently.
absl::Status ReadSampleEntry(absl::string_view bytes, const IsoBox& stsd,
                             AudioTrack& track) {
  // version/flags (4) and entry_count (4) precede the first entry.
  IsoBoxCursor entries(bytes, stsd.body + 8, stsd.end, stsd.type);
  absl::StatusOr<std::optional<IsoBox>> entry = entries.Next();
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return absl::OkStatus();
  const absl::string_view e =
      bytes.substr((*entry)->offset, (*entry)->end - (*entry)->offset);
  const std::optional<uint16_t> channels =
      LoadU16Be(e, kSampleEntryChannelsOffset);
  const std::optional<uint32_t> rate = LoadU32Be(e, kSampleEntryRateOffset);
  if (channels.has_value()) track.channels = *channels;
  if (rate.has_value()) track.sample_rate_hz = *rate >> 16;

  // MP4 writers leave channelcount at the template value 2: an AAC stream's
  // own AudioSpecificConfig says what it holds.
  const uint16_t version = LoadU16Be(e, kSampleEntryVersionOffset).value_or(0);
  if ((*entry)->type != "mp4a" || version > 2) return absl::OkStatus();
  const size_t children = (*entry)->offset + kSampleEntrySizes[version];
  if (children > (*entry)->end) return absl::OkStatus();
  IsoBoxCursor boxes(bytes, children, (*entry)->end, "mp4a");
  while (true) {
    absl::StatusOr<std::optional<IsoBox>> box = boxes.Next();
    // A malformed codec extension is the decoder's business, not ours.
    if (!box.ok() || !box->has_value()) return absl::OkStatus();
    if ((*box)->type == "esds") {
      const std::optional<int> aac_channels =
          AacChannelsFromEsds(BoxBody(bytes, **box));
      if (aac_channels.has_value()) track.channels = *aac_channels;
      return absl::OkStatus();
    }
  }
}

// The file offset of the last chunk of samples, from stco (32-bit) or co64.
absl::StatusOr<std::optional<uint64_t>> ReadLastChunkOffset(
    absl::string_view bytes, const IsoBox& box) {
  const bool wide = box.type == "co64";
  const absl::string_view body = BoxBody(bytes, box);
  const std::optional<uint32_t> count = LoadU32Be(body, 4);
  if (!count.has_value()) return BoxTooShortError(box);
  if (*count == 0) return std::nullopt;
  const uint64_t last = 8 + (uint64_t{*count} - 1) * (wide ? 8 : 4);
  const std::optional<uint64_t> offset =
      wide ? LoadU64Be(body, last)
           : std::optional<uint64_t>(LoadU32Be(body, last));
  if (!offset.has_value()) return BoxTooShortError(box);
  return offset;
}

absl::Status ParseSampleTable(absl::string_view bytes, const IsoBox& minf,
                              AudioTrack& track) {
  absl::StatusOr<std::optional<IsoBox>> stbl =
      FindChildBox(bytes, minf, "stbl");
  if (!stbl.ok()) return stbl.status();
  if (!stbl->has_value()) return absl::OkStatus();
  return ForEachBox(IsoBoxCursor(bytes, **stbl),
                    [&](const IsoBox& box) -> absl::Status {
                      if (box.type == "stsd")
                        return ReadSampleEntry(bytes, box, track);
                      if (box.type == "stco" || box.type == "co64") {
                        absl::StatusOr<std::optional<uint64_t>> last =
                            ReadLastChunkOffset(bytes, box);
                        if (!last.ok()) return last.status();
                        track.last_chunk_offset = *last;
                      }
                      return absl::OkStatus();
                    });
}

// The track's audio description, or std::nullopt when it is not audio.
absl::StatusOr<std::optional<AudioTrack>> ParseTrak(absl::string_view bytes,
                                                    const IsoBox& trak) {
  absl::StatusOr<std::optional<IsoBox>> mdia =
      FindChildBox(bytes, trak, "mdia");
  if (!mdia.ok()) return mdia.status();
  if (!mdia->has_value()) return std::nullopt;
  absl::StatusOr<std::optional<IsoBox>> hdlr =
      FindChildBox(bytes, **mdia, "hdlr");
  if (!hdlr.ok()) return hdlr.status();
  // version/flags (4), pre_defined (4), handler_type (4).
  if (!hdlr->has_value() || !HasTagAt(BoxBody(bytes, **hdlr), 8, "soun")) {
    return std::nullopt;
  }

  AudioTrack track;
  absl::StatusOr<std::optional<IsoBox>> tkhd =
      FindChildBox(bytes, trak, "tkhd");
  if (!tkhd.ok()) return tkhd.status();
  if (tkhd->has_value()) {
    absl::Status status = ReadTkhd(bytes, **tkhd, track);
    if (!status.ok()) return status;
  }
  absl::StatusOr<std::optional<IsoBox>> mdhd =
      FindChildBox(bytes, **mdia, "mdhd");
  if (!mdhd.ok()) return mdhd.status();
  if (!mdhd->has_value()) return CorruptError(kM4a, "audio track has no mdhd");
  absl::StatusOr<MovieHeader> media = ReadTimeHeader(bytes, **mdhd);
  if (!media.ok()) return media.status();
  track.media_timescale = media->timescale;
  track.media_duration = media->duration;

  absl::StatusOr<std::optional<IsoBox>> minf =
      FindChildBox(bytes, **mdia, "minf");
  if (!minf.ok()) return minf.status();
  if (minf->has_value()) {
    absl::Status status = ParseSampleTable(bytes, **minf, track);
    if (!status.ok()) return status;
  }
  return track;
}

absl::Status ParseMvex(absl::string_view bytes, const IsoBox& mvex,
                       Movie& movie) {
  movie.fragmented = true;
  return ForEachBox(
      IsoBoxCursor(bytes, mvex), [&](const IsoBox& box) -> absl::Status {
        ByteReader r(BoxBody(bytes, box));
        if (box.type == "mehd") {
          const std::optional<bool> v1 = ReadIsVersion1(r);
          const std::optional<uint64_t> duration =
              v1.has_value() ? ReadTime(r, *v1) : std::nullopt;
          if (!duration.has_value()) return BoxTooShortError(box);
          movie.fragment_duration = KnownDuration(*duration, *v1);
        } else if (box.type == "trex" && movie.trex_count < 8) {
          // version/flags, track_ID, default_sample_description_index,
          // default_sample_duration.
          const std::optional<uint32_t> track_id = LoadU32Be(r.bytes(), 4);
          const std::optional<uint32_t> duration = LoadU32Be(r.bytes(), 12);
          if (!track_id.has_value() || !duration.has_value()) {
            return BoxTooShortError(box);
          }
          movie.trex[movie.trex_count++] = TrackDefaults{*track_id, *duration};
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<Movie> ParseMoov(absl::string_view bytes, const IsoBox& moov) {
  Movie movie;
  absl::Status status = ForEachBox(
      IsoBoxCursor(bytes, moov), [&](const IsoBox& box) -> absl::Status {
        if (box.type == "mvhd" && !movie.header.has_value()) {
          absl::StatusOr<MovieHeader> header = ReadTimeHeader(bytes, box);
          if (!header.ok()) return header.status();
          movie.header = *header;
        } else if (box.type == "trak" && !movie.audio.has_value()) {
          absl::StatusOr<std::optional<AudioTrack>> track =
              ParseTrak(bytes, box);
          if (!track.ok()) return track.status();
          movie.audio = *track;
        } else if (box.type == "mvex") {
          return ParseMvex(bytes, box, movie);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return movie;
}

// Presentation length in ms, by the preference order in the header file.
absl::StatusOr<int64_t> DurationMs(absl::string_view bytes, const IsoBox& moov,
                                   const Movie& movie) {
  const MovieHeader& header = *movie.header;
  const AudioTrack& track = *movie.audio;
  if (movie.fragmented) {
    if (header.timescale != 0 && movie.fragment_duration != 0) {
      return UnitsToMillis(movie.fragment_duration, header.timescale);
    }
    if (track.media_timescale == 0) {
      return CorruptError(kM4a, "audio track timescale is 0");
    }
    uint32_t trex_duration = 0;
    for (int i = 0; i < movie.trex_count; ++i) {
      if (movie.trex[i].track_id == track.track_id) {
        trex_duration = movie.trex[i].sample_duration;
      }
    }
    // Samples may sit both in moov (mdhd) and in the fragments after it.
    absl::StatusOr<uint64_t> fragments =
        SumFragmentDurations(bytes, moov.end, track.track_id, trex_duration);
    if (!fragments.ok()) return fragments.status();
    const uint64_t total = *fragments > ~uint64_t{0} - track.media_duration
                               ? ~uint64_t{0}
                               : track.media_duration + *fragments;
    if (total != 0) {
      return UnitsToMillis(total, track.media_timescale);
    }
  } else {
    if (header.timescale != 0 && track.presentation_duration != 0) {
      return UnitsToMillis(track.presentation_duration, header.timescale);
    }
    if (track.media_timescale != 0 && track.media_duration != 0) {
      return UnitsToMillis(track.media_duration, track.media_timescale);
    }
  }
  return CorruptError(kM4a, "no duration in tkhd, mdhd, mehd or fragments");
}

}  // namespace

bool LooksLikeIsoBmff(absl::string_view bytes) {
  return HasTagAt(bytes, 4, "ftyp");
}

absl::StatusOr<AudioInfo> ParseM4a(absl::string_view bytes) {
  if (!LooksLikeIsoBmff(bytes)) return NotRecognisedError("no ftyp box");
  IsoBoxCursor top(bytes, 0, bytes.size(), "");
  absl::StatusOr<std::optional<IsoBox>> ftyp = top.Next();
  if (!ftyp.ok()) return ftyp.status();
  if (!ftyp->has_value()) return TruncatedError(kM4a, "ftyp box cut off");
  absl::Status brands = CheckBrands(bytes, **ftyp);
  if (!brands.ok()) return brands;

  // Every top-level box is visited, not just moov: a box running past the
  // end is how a cut-off upload shows.
  std::optional<IsoBox> moov;
  absl::Status boxes = ForEachBox(top, [&moov](const IsoBox& box) {
    if (box.type == "moov" && !moov.has_value()) moov = box;
    return absl::OkStatus();
  });
  if (!boxes.ok()) return boxes;
  if (!moov.has_value()) return CorruptError(kM4a, "no moov box");

  absl::StatusOr<Movie> movie = ParseMoov(bytes, *moov);
  if (!movie.ok()) return movie.status();
  if (!movie->header.has_value()) return CorruptError(kM4a, "no mvhd box");
  if (!movie->audio.has_value()) {
    return NotRecognisedError("MP4 file without an audio track");
  }
  const AudioTrack& track = *movie->audio;
  if (track.last_chunk_offset.has_value() &&
      *track.last_chunk_offset >= bytes.size()) {
    return TruncatedError(
        kM4a, absl::StrCat("audio chunk at byte ", *track.last_chunk_offset,
                           ", file ends at ", bytes.size()));
  }
  absl::StatusOr<int64_t> duration_ms = DurationMs(bytes, *moov, *movie);
  if (!duration_ms.ok()) return duration_ms.status();

  AudioInfo info;
  info.format = AudioFormat::kM4a;
  info.duration_ms = *duration_ms;
  const uint32_t rate =
      track.sample_rate_hz != 0 ? track.sample_rate_hz : track.media_timescale;
  // Both sources are 32-bit; anything beyond int is not a sample rate.
  info.sample_rate_hz = rate <= 0x7FFFFFFF ? static_cast<int>(rate) : 0;
  info.channels = track.channels;
  return info;
}

}  // namespace lipsync::audio

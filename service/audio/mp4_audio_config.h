#ifndef LIPSYNC_SERVICE_AUDIO_MP4_AUDIO_CONFIG_H_
#define LIPSYNC_SERVICE_AUDIO_MP4_AUDIO_CONFIG_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace lipsync::audio {

// The channel count declared by the MPEG-4 AudioSpecificConfig inside an
// `esds` box payload (ES_Descriptor > DecoderConfigDescriptor >
// DecoderSpecificInfo), for channel configurations 1..7. std::nullopt when
// the descriptors are absent, malformed, or configuration 0 (defined by a
// program config element). Needed because MP4 writers put the template value
// 2 in the sample entry's channelcount whatever the stream holds.
// Never reads outside `esds_payload`.
std::optional<int> AacChannelsFromEsds(absl::string_view esds_payload);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_MP4_AUDIO_CONFIG_H_

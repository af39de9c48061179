// What a viewer's offer lists (docs/encoders.md, "Codecs per viewer"): one RTP caps structure per
// codec the pipeline can encode, in order of preference, each with the fmtp values of what is
// really encoded. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "media/encoder_profile.hpp"

namespace ds::media {

struct OfferCodec {
  std::string codec;  // encoding name: "H264", "VP8", ...
  int payload_type = 0;
  std::string caps;  // one application/x-rtp structure, as webrtcbin's codec-preferences take
};

// Gives each profile a payload type no earlier profile uses (96..127), keeping its own when it
// is free, and rewrites its rtp_caps to match.
void assignPayloadTypes(std::vector<EncoderProfile>& profiles);

// The H.264 profile-level-id of what the profile encodes: constrained baseline 42e01f, main
// 4d001f, high 64001f (level 3.1 each; the offer also says level-asymmetry-allowed=1).
std::string h264ProfileLevelId(const EncoderProfile& profile);

// The offer's caps for one profile: its RTP caps plus the format parameters (H.264:
// packetization-mode=1, with profile-level-id and level-asymmetry-allowed written into the
// offer's a=fmtp by sdp::mungeOffer, not here; VP9: profile-id=0), and
// the SSRC when `ssrc` is not 0 (webrtcbin writes the a=ssrc lines from it).
OfferCodec offerCodec(const EncoderProfile& profile, uint32_t ssrc);

// Joins structures into one caps string ("a;b").
std::string joinCaps(const std::vector<OfferCodec>& codecs);

}  // namespace ds::media

// SDP rewriting done on the server's offer before it is sent, as Selkies 1.6
// does it (rtx-time=125 after every apt=, H.264 profile-level-id=42e01f and
// level-asymmetry-allowed=1, sps-pps-idr-in-keyframe=1 for H.264/H.265, a=ptime:10 for Opus),
// plus the playout-delay header extension declaration. Pure text processing.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ds::sdp {

inline constexpr std::string_view kPlayoutDelayUri =
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";

struct OfferOptions {
  bool add_playout_delay = true;  // declare the extension on video m-lines
  int playout_delay_id =
      0;  // 1..14 to use that id (left out if the offer uses it); 0 = lowest free
  int rtx_time_ms = 125;
  // profile-level-id of the H.264 actually encoded (media::h264ProfileLevelId); written into
  // every H.264 payload type's fmtp with packetization-mode=1 (FU-A, what rtph264pay sends).
  std::string h264_profile_level_id = "42e01f";
  int opus_ptime_ms = 10;
};

struct MungedOffer {
  std::string sdp;
  int playout_delay_id = 0;  // one-byte header extension id used, 0 if none
};

// Rewrites an offer: rtx-time after every apt=; for H.264 profile-level-id (options),
// packetization-mode=1 and level-asymmetry-allowed=1, with an a=fmtp line added after the rtpmap
// when webrtcbin wrote none (it writes one only from caps that carry those fields, and without
// it browsers assume packetization-mode=0); sps-pps-idr-in-keyframe=1 for H.264/H.265; a=ptime
// for Opus; and an a=extmap for playout-delay with the lowest free id (1..14). Fails on text that
// is not an SDP.
Result<MungedOffer> mungeOffer(std::string_view sdp, const OfferOptions& options);

// Returns the extmap id that `sdp` (an answer) gives the URI in the first video section, 0 if
// the answer does not accept it.
int extmapId(std::string_view sdp, std::string_view uri);

// Sets key=value inside a fmtp parameter list ("a=b;c=d"), replacing an existing key.
std::string setFmtpParam(std::string_view params, std::string_view key, std::string_view value);

}  // namespace ds::sdp

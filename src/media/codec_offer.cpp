#include "media/codec_offer.hpp"

#include <set>

#include "media/encoder_parts.hpp"

namespace ds::media {

void assignPayloadTypes(std::vector<EncoderProfile>& profiles) {
  std::set<int> used;
  for (auto& p : profiles) {
    int pt = p.payload_type;
    if (used.count(pt) != 0 || pt < 96 || pt > 127) {
      for (pt = 96; pt <= 127 && used.count(pt) != 0; ++pt) {
      }
    }
    if (pt != p.payload_type) {
      p.payload_type = pt;
      p.rtp_caps = parts::rtpCaps(p.codec, pt);
    }
    used.insert(pt);
  }
}

std::string h264ProfileLevelId(const EncoderProfile& profile) {
  const auto& caps = profile.post_caps;
  if (caps.find("profile=main") != std::string::npos) return "4d001f";
  if (caps.find("profile=high") != std::string::npos) return "64001f";
  return "42e01f";
}

OfferCodec offerCodec(const EncoderProfile& profile, uint32_t ssrc) {
  std::string caps = profile.rtp_caps;
  if (profile.codec == "H264") {
    // No profile-level-id here: rtph264pay turns it into a level on its sink caps, and 42e01f
    // (level 3.1, at most 1280x720 at 30 fps) makes x264 refuse a 1080p capture (not-negotiated).
    // The offer's a=fmtp line gets profile-level-id and level-asymmetry-allowed from
    // sdp::mungeOffer (BranchOptions::h264_profile_level_id) instead.
    caps += ",packetization-mode=(string)1";
  } else if (profile.codec == "VP9") {
    caps += ",profile-id=(string)0";
  }
  if (ssrc != 0) caps += ",ssrc=(uint)" + std::to_string(ssrc);
  return OfferCodec{profile.codec, profile.payload_type, caps};
}

std::string joinCaps(const std::vector<OfferCodec>& codecs) {
  std::string out;
  for (const auto& c : codecs) out += (out.empty() ? "" : ";") + c.caps;
  return out;
}

}  // namespace ds::media

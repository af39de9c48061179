// Moving one viewer from one encode to another of the same codec while it watches (the lower
// encode for a viewer on a slow path: session/network_adaptation.hpp). Both encodes' payloaders
// share the SSRC, the clock and the timestamp offset, so their RTP timestamps agree; what
// differs is the sequence numbering and where a picture can begin. RtpSwitch keeps one viewer's
// sequence numbers continuous across the change and holds the new encode's packets back until
// a keyframe begins, so the browser sees one stream with no gap in numbering and a decodable
// first picture. Pure: no GStreamer; the caller reads the packets (webrtc::PeerBranch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ds::media {

// True when an RTP payload of `codec` ("H264", "H265", "VP8", "VP9") begins a keyframe a decoder
// can start from: for H.264 a packet that opens with the sequence parameter set (alone, or first
// in a STAP-A), since a new encode may have a new picture size; for H.265 one that opens with the
// VPS (alone, or first in an aggregation packet); for VP8 the first packet of a key frame;
// for VP9 the first packet of a frame that is not inter-predicted. False for anything else, and
// for codecs a viewer is never moved on (AV1: GStreamer 1.22 has no AV1 payloader).
bool startsKeyframe(const std::string& codec, const uint8_t* payload, size_t size);
// The codecs whose viewers may be moved between encodes (startsKeyframe knows them).
bool switchableCodec(const std::string& codec);

class RtpSwitch {
 public:
  struct Verdict {
    bool pass = true;
    uint16_t seq = 0;  // the sequence number to send it with
  };

  // The next packets come from another encode: they are dropped until one begins a keyframe,
  // and numbered on from the last packet sent.
  void switched() { waiting_ = true; }
  Verdict onPacket(uint16_t seq, bool keyframe_start);
  // Packets of the new encode dropped while waiting for its keyframe, since start.
  uint64_t dropped() const { return dropped_; }
  bool waiting() const { return waiting_; }
  // The numbering differs from the encode's: packets must be rewritten.
  bool renumbering() const { return offset_ != 0; }

 private:
  bool waiting_ = false;
  bool sent_any_ = false;
  uint16_t last_sent_ = 0;
  uint16_t offset_ = 0;  // added to the encode's sequence numbers (mod 2^16)
  uint64_t dropped_ = 0;
};

}  // namespace ds::media

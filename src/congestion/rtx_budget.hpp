// How many retransmissions (RFC 4588 RTX, answering a browser's NACKs) a viewer's sender may
// send: at most `share` of the media bytes it sent, with a burst of `burst_bytes`.
//
// Why: GStreamer's rtprtxsend answers every request it gets. On a path that drops packets
// because it is full (a rate cap, a slow uplink), the browser asks again each round trip for
// every packet still missing, the retransmissions are dropped in turn and ask for more: measured
// on a 300 kbit/s tbf cap, 5.3 Mbit/s of retransmissions beside 220 kbit/s of media, so no
// frame got through. Spending retransmissions from what the media earns (the way libwebrtc
// limits its own to the target bitrate) keeps repair working on random loss, where little is
// asked, and stops the storm where the path itself is the limit. Tokens come from media bytes,
// so no clock is needed. Pure; not thread-safe (the caller locks).
#pragma once

#include <cstddef>
#include <cstdint>

namespace ds::congestion {

struct RtxBudgetSettings {
  double share = 0.25;                    // retransmitted bytes per media byte, at most
  std::size_t burst_bytes = 32 * 1024;    // the most that can be spent at once (a lost keyframe)
  std::size_t first_packet_bytes = 1200;  // the average size until media has been seen
};

class RtxBudget {
 public:
  explicit RtxBudget(RtxBudgetSettings settings = {});

  // A media packet of `bytes` was sent: it earns share * bytes, and updates the average size a
  // retransmission is charged.
  void onMediaPacket(std::size_t bytes);
  // A retransmission of one packet is requested: true (and charged) if the budget has it.
  bool allow();

  uint64_t allowed() const { return allowed_; }
  uint64_t refused() const { return refused_; }
  double tokens() const { return tokens_; }

 private:
  RtxBudgetSettings settings_;
  double tokens_;
  double average_bytes_;
  uint64_t allowed_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace ds::congestion

// Holds one viewer's retransmissions to a congestion::RtxBudget (see there for why): finds the
// rtprtxsend webrtcbin makes for the video when NACK is on, counts the media that passes its
// sink pad, and drops the retransmission requests (GstRTPRetransmissionRequest, upstream on its
// src pad) the budget does not cover before rtprtxsend acts on them. The browser asks again for
// what it still misses; a keyframe request repairs the rest.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>

#include "congestion/rtx_budget.hpp"
#include "media/gst_util.hpp"

namespace ds::webrtc {

struct RtxCounts {
  uint64_t sent = 0;     // requests passed on to rtprtxsend
  uint64_t refused = 0;  // requests dropped: over the budget
};

class RtxGuard {
 public:
  // Watches `webrtcbin` (a reference is taken) for its retransmission sender. Main loop.
  explicit RtxGuard(GstElement* webrtcbin, congestion::RtxBudgetSettings settings = {});
  ~RtxGuard();
  RtxGuard(const RtxGuard&) = delete;
  RtxGuard& operator=(const RtxGuard&) = delete;

  RtxCounts counts() const;

  struct State;

 private:
  std::shared_ptr<State> state_;  // shared with the signal handler and the probes
  media::GstPtr<GstElement> webrtc_;
  gulong handler_ = 0;
};

}  // namespace ds::webrtc

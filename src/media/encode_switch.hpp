// One viewer's link to an encode's tee that can be moved to another encode of the same codec
// while it watches (the lower encode for a slow path, and back). A gate on the viewer's sink pad
// holds the new encode's packets back until one begins a keyframe and numbers them on from the
// last packet sent (media/rtp_switch.hpp), and keeps the first CAPS event (another encode's caps
// differ only in what a receiver does not use: the payloader's seqnum-offset, the
// profile-level-id of a smaller picture). webrtc::PeerBranch uses it for its queue.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "media/gst_util.hpp"
#include "media/rtp_switch.hpp"

namespace ds::media {

class EncodeSwitch {
 public:
  // Puts the gate on `sink` (the viewer's queue's sink pad, not yet linked) for `codec`, one of
  // switchableCodec()'s. Destroy it only once nothing pushes through `sink` any more (the tee
  // pad released): it removes the gate.
  EncodeSwitch(GstPad* sink, std::string codec);
  ~EncodeSwitch();
  EncodeSwitch(const EncodeSwitch&) = delete;
  EncodeSwitch& operator=(const EncodeSwitch&) = delete;

  // Main loop: releases `pad` (a request pad of `from` linked to the sink) and links a new
  // request pad of `to` in its place, returned in `pad`. Releasing waits for a push in progress
  // on the old pad, so no packet of the old encode reaches the gate after the move. On an error
  // `pad` is null: the viewer is linked to neither encode (its owner ends it).
  Status move(GstElement* from, GstPtr<GstPad>& pad, GstElement* to);
  // Packets dropped while waiting for a new encode's keyframe, over every move.
  uint64_t dropped() const;
  // Moves so far.
  int moves() const { return moves_; }

 private:
  static GstPadProbeReturn probe(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  GstPtr<GstPad> sink_;
  gulong probe_ = 0;
  const std::string codec_;
  mutable std::mutex lock_;
  RtpSwitch rtp_;           // guarded by lock_
  bool caps_seen_ = false;  // guarded by lock_
  int moves_ = 0;           // main loop
};

}  // namespace ds::media

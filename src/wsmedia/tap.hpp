// One WebSocket client's branch on a shared RTP tee, hung off it like a WebRTC viewer:
// tee -> queue (leaky) -> RTP depayloader -> parser (H.264/H.265: AU-aligned byte-stream with
// parameter sets before every keyframe) -> appsink. All of it lives in one bin named `name`
// directly inside the pipeline (so a bus error from it names this branch). Each frame reaches
// `on_frame` on the main loop, through a weak reference: the tap may go at any time. An H.264,
// H.265, VP8 or VP9 tap can be moved to another encode of its codec while it runs (switchTee), as a
// WebRTC viewer's branch can: the depayloader sees one RTP stream that goes on at a keyframe.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "media/encode_switch.hpp"
#include "media/gst_util.hpp"
#include "wsmedia/framing.hpp"

namespace ds::wsmedia {

struct TapFrame {
  std::string data;
  uint64_t timestamp_us = 0;
  bool keyframe = false;
  int width = 0;  // from the parser's caps when it knows them
  int height = 0;
};

class Tap {
 public:
  using OnFrame = std::function<void(TapFrame frame)>;
  static Result<std::shared_ptr<Tap>> create(GstElement* pipeline, GstElement* tee,
                                             const std::string& name, Codec codec,
                                             OnFrame on_frame);
  ~Tap();  // unlinks from the tee and stops the branch, synchronously
  Tap(const Tap&) = delete;
  Tap& operator=(const Tap&) = delete;

  const std::string& name() const { return name_; }
  // The bin of this tap is `element` (a name from VideoPipeline::BranchErrorCallback).
  bool owns(const std::string& element) const { return element == name_; }
  // Main loop: hands one frame to `on_frame` (called through the weak reference).
  void deliver(TapFrame frame);
  // Main loop: moves the tap to `tee`, another encode's tee of its codec (the lower encode for a
  // slow client, and back; media::EncodeSwitch). When the new link fails the tap is on neither
  // encode: it posts an error from its bin, so the bus ends this client only.
  Status switchTee(GstElement* tee);

 private:
  Tap(std::string name, OnFrame on_frame)
      : name_(std::move(name)), on_frame_(std::move(on_frame)) {}
  Status build(GstElement* pipeline, GstElement* tee, Codec codec);
  void detach();

  std::string name_;
  OnFrame on_frame_;
  std::weak_ptr<Tap> self_;
  media::GstPtr<GstElement> pipeline_;  // extra references, dropped by detach()
  media::GstPtr<GstElement> tee_;
  media::GstPtr<GstElement> bin_;                // sunk: ours and, once added, the pipeline's
  media::GstPtr<GstPad> tee_pad_;                // our request pad on the tee
  std::unique_ptr<media::EncodeSwitch> switch_;  // on the bin's sink pad; not for AV1 or Opus
  // Timestamps across moves (retimeProbe, on the same pad after the switch's gate).
  struct Retime {
    std::mutex lock;
    bool have_first = false;
    bool moved = false;  // the current segment is not the first one
    GstSegment first{};
    GstSegment current{};
  };
  Retime retime_;
  static GstPadProbeReturn retimeProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data);
};

}  // namespace ds::wsmedia

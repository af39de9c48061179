// The encoded picture's size when the network cannot carry the captured one: a videoscale and a
// capsfilter between the capture and the raw tee, so every encode (and the WebSocket tap) gets
// the smaller picture and the browser stretches it back. At 100 % the capsfilter asks for the
// captured size and videoscale passes each buffer through untouched. (Open caps there would let
// videoscale take a size that one branch after the tee prefers, such as the lower encode's.)
// The lower encode (media/encode.hpp) has one of its own, which scales what the tee carries. The
// percentage holds across a resize: the scaled size is worked out again from each new captured
// size, on the streaming thread, before the new caps reach videoscale.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "media/gst_util.hpp"

namespace ds::media {

class PictureScale {
 public:
  // `scaler` is the videoscale and `filter` the capsfilter right after it.
  PictureScale(GstElement* scaler, GstElement* filter);
  ~PictureScale();  // after the pipeline has stopped
  PictureScale(const PictureScale&) = delete;
  PictureScale& operator=(const PictureScale&) = delete;

  // Main loop: encode `percent` (clamped to 10..100) of the captured width and height.
  void set(int percent);
  int percent() const;
  // `percent` of width x height, each rounded down to an even number (4:2:0 encoders need it),
  // at least 16.
  static std::pair<int, int> scaledSize(int width, int height, int percent);
  // The two elements it drives, for buildChain: a videoscale named `prefix` + "scaler" (role
  // "scaler") and a capsfilter named `prefix` + "scale-caps" (role "scale-caps").
  static std::vector<ChainLink> links(const std::string& prefix);

 private:
  static GstPadProbeReturn onCaps(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void applyLocked();

  GstPtr<GstElement> filter_;
  GstPtr<GstPad> sink_;
  gulong probe_ = 0;
  mutable std::mutex lock_;
  int percent_ = 100;
  int width_ = 0;  // the captured size, from the last caps (0: none yet)
  int height_ = 0;
  std::pair<int, int> applied_{0,
                               0};  // what the capsfilter asks for ({0, 0}: anything, no caps yet)
};

}  // namespace ds::media

// One encode of the shared video pipeline: raw tee -> queue(leaky, 1 frame) -> converters ->
// encoder -> payloader -> tee. The pipeline has one per codec in use (media/video_pipeline.hpp):
// the configured encoder's from start to stop, and another codec's while a viewer needs it;
// and a lower one of the configured codec while a viewer on a slow path needs it, which also
// has a picture size and a frame-rate limit of its own after its queue. Main-loop thread only,
// except the probes.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/encoder_profile.hpp"
#include "media/gst_util.hpp"
#include "media/keyframe_requests.hpp"
#include "media/picture_scale.hpp"

namespace ds::media {

// One-byte RTP header extension id that carries playout-delay min=max=0 on every packet.
inline constexpr int kPlayoutDelayExtId = 6;

struct EncodeOptions {
  // Prefix of every element name ("" for the primary encode, whose names tests look up: e.g.
  // "video-pay"; "vp8-" for a second encode, so two encodes can share one bin).
  std::string name_prefix;
  bool playout_delay = true;  // write the playout-delay extension on every packet
  uint32_t ssrc = 0;          // the payloader's SSRC; 0 = the payloader's own random one
  // The payloader's RTP timestamp offset; -1 = its own random one. Encodes a viewer can be moved
  // between share it (and the SSRC), so their timestamps agree (media/rtp_switch.hpp).
  int64_t timestamp_offset = -1;
  // A picture size and frame-rate limit of its own (setSizeAndRate), for the lower encode.
  bool own_size_and_rate = false;
  // The capture's frame rate when the encode is built. For a profile with fixed_caps_rate the
  // encoder's caps keep it whatever the capture's rate becomes (0: no such rate).
  int nominal_fps = 0;
  std::chrono::milliseconds keyframe_interval{500};  // the overall keyframe limit
  // Called (from a streaming thread) when a keyframe request reaches the encoder: the static
  // screen gate must then let the next frame through.
  std::function<void()> on_keyframe_approved;
};

class Encode {
 public:
  // Adds the chain to `pipeline` and links it after the `raw_tee` (a request pad). With `live`,
  // the pipeline is already running: the elements are started downstream first and the tee pad
  // is linked last, so no buffer meets an element that is still stopped.
  static Result<std::unique_ptr<Encode>> add(GstElement* pipeline, GstElement* raw_tee,
                                             EncoderProfile profile, EncodeOptions options,
                                             bool live);
  // Stops and removes the elements (releases the raw tee's pad first).
  ~Encode();
  Encode(const Encode&) = delete;
  Encode& operator=(const Encode&) = delete;

  const EncoderProfile& profile() const { return profile_; }
  const std::string& codec() const { return profile_.codec; }
  GstElement* tee() const { return tee_; }
  GstElement* encoder() const { return encoder_; }
  // Every element of this encode (for telling shared-graph errors from a viewer's).
  const std::vector<GstElement*>& elements() const { return elements_; }
  // True when `obj` is the encoder, one of its profile's converters/uploaders, or inside one.
  bool isEncoderChain(GstObject* obj) const;
  // True when `obj` is any element of this encode, or inside one.
  bool owns(GstObject* obj) const;

  void requestKeyframe() { keyframes_.request(); }
  uint64_t keyframeRequestsForwarded() const { return keyframes_.forwarded(); }
  uint64_t keyframeRequestsDropped() const { return keyframes_.dropped(); }
  // Sets the encoder's bitrate property from the stream's parameters. With a fixed caps rate
  // (EncoderProfile::fixed_caps_rate) the property is the bitrate x the caps rate / the frame
  // rate in `params`, so each frame the encoder really gets has bitrate / frame rate; not for
  // an encoder that reads the rate from the timestamps (EncoderProfile::rate_from_timestamps).
  void setBitrate(const EncodeParams& params);
  // Keeps the encoder's VBV at ~1.5 frames of the new frame time (software encoders; libvpx's
  // buffer follows the real frame time). With a fixed caps rate the encoder is not restarted:
  // the VBV stays at 1.5 of its caps-rate frames (which, at the scaled bitrate, hold 1.5 real
  // frames) and the bitrate is scaled anew.
  void setFramerate(const EncodeParams& params);
  uint64_t encodedFrames() const { return encoded_frames_.load(); }
  // With EncodeOptions::own_size_and_rate: encode `scale_percent` of the picture it receives
  // and at most `max_fps` frames a second of it (0: every frame). Frames over the limit are
  // dropped before the encoder, which still counts on the caps' frame rate (unless it reads the
  // rate from the timestamps, as libvpx does): the caller scales the bitrate it sets to match
  // (VideoPipeline::setLowSetting).
  void setSizeAndRate(int scale_percent, int max_fps);

  // Viewers linked to this encode (the pipeline removes a second codec's encode at 0).
  int users = 0;

 private:
  Encode(GstElement* pipeline, GstElement* raw_tee, EncoderProfile profile, EncodeOptions options);
  Status build(bool live);

  GstElement* pipeline_;
  GstElement* raw_tee_;
  EncoderProfile profile_;
  EncodeOptions options_;
  KeyframeRequests keyframes_;
  std::vector<GstElement*> elements_;       // in link order, owned by the pipeline
  std::vector<GstElement*> encoder_chain_;  // profile_.pre elements and the encoder
  GstElement* encoder_ = nullptr;
  GstElement* tee_ = nullptr;
  GstPtr<GstPad> raw_pad_;  // our request pad on the raw tee
  std::atomic<uint64_t> encoded_frames_{0};
  std::unique_ptr<PictureScale> scale_;  // own_size_and_rate only
  // The frame-rate limit's state (own_size_and_rate): the interval is set on the main loop, the
  // rest is the capture queue's streaming thread's.
  struct RateLimit {
    std::atomic<int64_t> interval_ns{0};  // 0: every frame
    int64_t due_ns = -1;                  // the earliest timestamp the next frame may have
  };
  RateLimit rate_;
  static GstPadProbeReturn rateProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  void applyBitrate();
  int nominal_fps_ = 0;  // the caps' fixed frame rate, or 0
  // The caps' rate is fixed and the encoder's rate control counts frames at it (not libvpx's,
  // which reads the timestamps): its bitrate and VBV are scaled to the frames it really gets.
  bool countsCapsRate() const { return nominal_fps_ > 0 && !profile_.rate_from_timestamps; }
  int base_kbps_ = 0;  // the last bitrate set (FEC share taken off), before scaling
  int fps_ = 0;        // the frame rate the encoder really gets
  // Rewrites the frame rate of each caps event to the fixed one (the value, not a pointer).
  static GstPadProbeReturn fixCapsRate(GstPad* pad, GstPadProbeInfo* info, gpointer fps);
};

// Writes playout-delay min=max=0 into every RTP packet passing the probe (media/encode.cpp).
GstPadProbeReturn playoutDelayProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data);

}  // namespace ds::media

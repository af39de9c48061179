// The shared video graph: X capture -> gate -> caps -> raw tee -> one encode per codec in use
// (media/encode.hpp: queue -> convert -> encoder -> payloader -> tee). The configured encoder's
// encode runs from start to stop; a second codec's (VP8, VP9: extra_encoders) is built when the
// first viewer that needs it is linked and removed with its last. Viewers that chose the same
// codec share one encode; each viewer's webrtc branch links to its codec's tee
// (webrtc/peer_branch.hpp). Main-loop thread only, except where noted.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "media/codec_offer.hpp"
#include "media/damage_watch.hpp"
#include "media/encode.hpp"
#include "media/encoder_profile.hpp"
#include "media/frame_gate.hpp"
#include "media/gst_util.hpp"
#include "media/picture_scale.hpp"

namespace ds::media {

struct VideoOptions {
  std::string display;  // X display name; "" = use a test pattern (videotestsrc), for tests only
  // The test pattern's videotestsrc properties (tests only): a moving ball on black by default.
  Properties test_pattern = {{"pattern", "ball"}};
  std::string encoder = "x264enc";
  EncodeParams params;
  bool show_pointer = false;
  // Benchmark baseline (bench/latency A/B): naiveBaselineProfile(), every frame encoded, no
  // playout-delay header extension.
  bool naive_baseline = false;
  // Keyframe request rate limits (media/keyframe_limiter.hpp); `overall` applies to each
  // encode, `per_peer` in each viewer's branch.
  KeyframeLimits keyframes;
  // Declare transport-wide congestion control (the TWCC header extension and feedback) in the
  // RTP caps, so webrtcbin offers it and the browser reports every packet's arrival.
  bool transport_cc = false;
  // Encoders of other codecs offered after `encoder`'s, in order of preference, each already
  // probed usable (DESKSTREAM_EXTRA_ENCODERS); one whose codec is `encoder`'s is skipped.
  std::vector<std::string> extra_encoders;
};

class VideoPipeline {
 public:
  // `from_encoder`: the error was posted by the encoder or an element of its profile chain
  // (converter, uploader), so another encoder may succeed where this one failed.
  using ErrorCallback = std::function<void(std::string message, bool from_encoder)>;
  // An error posted by an element that is not part of the shared graph (a viewer's branch: its
  // queue, its webrtcbin or anything inside it). `element` is the name of the branch element
  // directly inside the pipeline (webrtc::PeerBranch::owns). The stream goes on for the others.
  using BranchErrorCallback = std::function<void(std::string element, std::string message)>;

  // Builds and starts the pipeline (PLAYING). `on_error` runs on the main loop after a bus error.
  static Result<std::unique_ptr<VideoPipeline>> start(const VideoOptions& options,
                                                      ErrorCallback on_error);
  ~VideoPipeline();
  VideoPipeline(const VideoPipeline&) = delete;
  VideoPipeline& operator=(const VideoPipeline&) = delete;

  // Where branch errors go; without a handler they are only logged.
  void onBranchError(BranchErrorCallback cb) { on_branch_error_ = std::move(cb); }
  // Where an error of the lower encode goes (on the main loop): the stream goes on for everyone
  // else; the caller moves its viewers back. Without a handler it is a pipeline error.
  using LowErrorCallback = std::function<void(std::string message)>;
  void onLowError(LowErrorCallback cb) { on_low_error_ = std::move(cb); }

  GstElement* pipeline() const { return pipeline_.get(); }
  // The configured encoder's tee (the primary encode, always running).
  GstElement* tee() const { return primary_->tee(); }
  const EncoderProfile& profile() const { return primary_->profile(); }
  const VideoOptions& options() const { return options_; }

  // Every codec a viewer may be offered, in order of preference (the primary's first).
  const std::vector<OfferCodec>& offerCodecs() const { return offer_; }
  // The tee of `codec`'s encode for one more viewer, building that encode if it is not running;
  // each success must be matched by one release(codec) after the viewer's branch is unlinked.
  Result<GstElement*> acquire(const std::string& codec);
  // One viewer less on `codec`; a second codec's encode stops with its last viewer.
  void release(const std::string& codec);
  // Running encodes (1 + second codecs in use + the lower encode), for tests and stats.
  size_t encodeCount() const { return 1 + extras_.size() + (low_ ? 1 : 0); }

  // The lower encode of the primary codec, for viewers on slow paths (session::NetworkAdaptation
  // moves them): its tee for one more viewer, building it if it is not running; each success is
  // matched by one releaseLow() after the viewer left it. It runs at setLowSetting()'s values.
  Result<GstElement*> acquireLow();
  void releaseLow();
  bool lowRunning() const { return low_ != nullptr; }
  // The lower encode's bitrate, frame-rate limit (at most the capture's) and picture size (percent
  // of the captured width and height), kept for when it is built.
  void setLowSetting(int kbps, int fps, int scale_percent);
  // Frames that left the lower encoder since it was built (0 when it is not running).
  uint64_t lowEncodedFrames() const { return low_ ? low_->encodedFrames() : 0; }
  // The lower encoder element, or nullptr (for tests that inject an element error).
  GstElement* lowEncoder() const { return low_ ? low_->encoder() : nullptr; }

  // Asks the encoders (or `codec`'s only, the lower encode not included) for an IDR (new viewer,
  // capture restart), within the overall keyframe rate of each.
  void requestKeyframe(const std::string& codec = "");
  // Asks the lower encode for one (a viewer was moved onto it).
  void requestLowKeyframe() {
    if (low_) low_->requestKeyframe();
  }
  // Keyframe requests passed to the encoders, and dropped or coalesced by the overall limit.
  uint64_t keyframeRequestsForwarded() const;
  uint64_t keyframeRequestsDropped() const;
  void setBitrate(int kbps);
  // The congestion controller's bitrate: the encoder runs at `kbps` while the configured bitrate
  // (options().params) stays what the user set. Logged at debug level (it changes often).
  void setEncoderBitrate(int kbps);
  void setFramerate(int fps);
  // The captured picture's size as negotiated, or {0, 0} before the first frame.
  std::pair<int, int> pictureSize() const;
  // Encode `percent` of the captured width and height (congestion control's smallest rungs);
  // 100: the captured size. The encoders follow the new caps with a keyframe.
  void setScale(int percent);
  int scalePercent() const;
  void setPointerVisible(bool visible);
  // Re-opens the X capture so it picks up a new screen size; the encoder follows the new caps
  // and sends a keyframe with the new SPS. Viewers stay connected.
  void restartCapture();

  // One-byte RTP header extension id that carries playout-delay min=max=0 on every packet.
  static constexpr int kPlayoutDelayExtId = media::kPlayoutDelayExtId;
  // Frames that left the primary encoder since start (for stats and tests).
  uint64_t encodedFrames() const { return primary_->encodedFrames(); }
  // Captured frames the static-screen gate kept from the encoder.
  uint64_t skippedFrames() const { return gate_.skipped(); }
  // How the gate tells changed frames: "damage" (X DAMAGE events) or "compare" (memcmp).
  const char* changeDetection() const { return damage_ ? "damage" : "compare"; }
  // The primary encoder element (for tests that inject an element error).
  GstElement* encoder() const { return primary_->encoder(); }

 private:
  VideoPipeline(VideoOptions options, EncoderProfile profile, ErrorCallback on_error);
  Status build();
  EncodeOptions encodeOptions(const std::string& prefix);
  // The lower encode's parameters for its setting at today's capture rate (video_pipeline_low).
  EncodeParams lowParams() const;
  int captureFps() const { return std::max(1, options_.params.framerate); }
  void applyLowSetting();
  bool isShared(GstElement* element) const;
  // The name of the branch element (directly in the pipeline, not ours) holding `obj`; "" when
  // `obj` is part of the shared graph or the pipeline itself.
  std::string branchOf(GstObject* obj) const;
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static GstPadProbeReturn gateProbe(GstPad* pad, GstPadProbeInfo* info, gpointer self);

  VideoOptions options_;
  EncoderProfile profile_;                      // the primary's
  std::vector<EncoderProfile> extra_profiles_;  // second codecs that may be built
  std::vector<OfferCodec> offer_;
  uint32_t ssrc_ = 0;  // every encode's payloader uses it, so the offer's a=ssrc holds for all
  uint32_t timestamp_offset_ = 0;  // every encode's too: a viewer moved between two stays in time
  ErrorCallback on_error_;
  BranchErrorCallback on_branch_error_;
  LowErrorCallback on_low_error_;
  std::vector<GstElement*> shared_;  // capture elements and the raw tee (encodes: their own)
  GstPtr<GstElement> pipeline_;
  GstElement* source_caps_ = nullptr;
  GstElement* source_ = nullptr;
  GstElement* raw_tee_ = nullptr;
  std::unique_ptr<Encode> primary_;
  std::map<std::string, std::unique_ptr<Encode>> extras_;  // by codec, while in use
  std::unique_ptr<Encode> low_;  // the lower encode, while a viewer is on it
  struct LowSetting {
    int kbps = 0;
    int fps = 0;
    int scale_percent = 100;
  };
  LowSetting low_setting_;
  guint bus_watch_ = 0;
  FrameGate gate_;
  std::unique_ptr<DamageWatch> damage_;  // X DAMAGE change detector, when available
  std::unique_ptr<PictureScale> scale_;
  std::vector<uint8_t> previous_frame_;  // capture thread only (memcmp fallback)
  int encoder_kbps_ = 0;  // congestion control's encoder bitrate; 0: the configured one
  bool failed_ = false;   // an error was reported; later ones are its echoes
};

}  // namespace ds::media

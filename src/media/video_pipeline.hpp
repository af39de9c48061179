// The shared video graph: X capture -> convert -> encode -> payload -> tee. One encode serves
// every viewer; each viewer's webrtc branch links to the tee (webrtc/peer_branch.hpp).
// Main-loop thread only, except where noted.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "media/damage_watch.hpp"
#include "media/encoder_profile.hpp"
#include "media/frame_gate.hpp"
#include "media/keyframe_requests.hpp"

namespace ds::media {

struct VideoOptions {
  std::string display;  // X display name; "" = use a test pattern (videotestsrc), for tests only
  std::string encoder = "x264enc";
  EncodeParams params;
  bool show_pointer = false;
  // Benchmark baseline (bench/latency A/B): naiveBaselineProfile(), every frame encoded, no
  // playout-delay header extension.
  bool naive_baseline = false;
  // Keyframe request rate limits (media/keyframe_limiter.hpp); `overall` applies here, `per_peer`
  // in each viewer's branch.
  KeyframeLimits keyframes;
  // Declare transport-wide congestion control (the TWCC header extension and feedback) in the
  // RTP caps, so webrtcbin offers it and the browser reports every packet's arrival.
  bool transport_cc = false;
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

  GstElement* pipeline() const { return pipeline_; }
  GstElement* tee() const { return tee_; }
  const EncoderProfile& profile() const { return profile_; }
  const VideoOptions& options() const { return options_; }

  // Asks the encoder for an IDR (new viewer, capture restart), within the overall keyframe rate.
  void requestKeyframe();
  // Keyframe requests passed to the encoder, and dropped or coalesced by the overall limit.
  uint64_t keyframeRequestsForwarded() const { return keyframes_.forwarded(); }
  uint64_t keyframeRequestsDropped() const { return keyframes_.dropped(); }
  void setBitrate(int kbps);
  // The congestion controller's bitrate: the encoder runs at `kbps` while the configured bitrate
  // (options().params) stays what the user set. Logged at debug level (it changes often).
  void setEncoderBitrate(int kbps);
  void setFramerate(int fps);
  // The captured picture's size as negotiated, or {0, 0} before the first frame.
  std::pair<int, int> pictureSize() const;
  void setPointerVisible(bool visible);
  // Re-opens the X capture so it picks up a new screen size; the encoder follows the new caps
  // and sends a keyframe with the new SPS. Viewers stay connected.
  void restartCapture();

  // One-byte RTP header extension id that carries playout-delay min=max=0 on every packet.
  static constexpr int kPlayoutDelayExtId = 6;
  // Frames that left the encoder since start (for stats and tests).
  uint64_t encodedFrames() const { return encoded_frames_.load(); }
  // Captured frames the static-screen gate kept from the encoder.
  uint64_t skippedFrames() const { return gate_.skipped(); }
  // How the gate tells changed frames: "damage" (X DAMAGE events) or "compare" (memcmp).
  const char* changeDetection() const { return damage_ ? "damage" : "compare"; }
  // The encoder element (for tests that inject an element error).
  GstElement* encoder() const { return encoder_; }

 private:
  VideoPipeline(VideoOptions options, EncoderProfile profile, ErrorCallback on_error);
  Status build();
  // The name of the branch element (directly in the pipeline, not ours) holding `obj`; "" when
  // `obj` is part of the shared graph or the pipeline itself.
  std::string branchOf(GstObject* obj) const;
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static GstPadProbeReturn gateProbe(GstPad* pad, GstPadProbeInfo* info, gpointer self);

  VideoOptions options_;
  EncoderProfile profile_;
  ErrorCallback on_error_;
  BranchErrorCallback on_branch_error_;
  KeyframeRequests keyframes_;       // the overall keyframe limit, on the encoder's source pad
  std::vector<GstElement*> shared_;  // every element of the shared graph (not the branches)
  GstElement* pipeline_ = nullptr;
  GstElement* source_caps_ = nullptr;
  GstElement* source_ = nullptr;
  GstElement* encoder_ = nullptr;
  std::vector<GstElement*> encoder_chain_;  // profile_.pre elements and the encoder
  GstElement* tee_ = nullptr;
  guint bus_watch_ = 0;
  std::atomic<uint64_t> encoded_frames_{0};
  FrameGate gate_;
  std::unique_ptr<DamageWatch> damage_;  // X DAMAGE change detector, when available
  std::vector<uint8_t> previous_frame_;  // capture thread only (memcmp fallback)
  bool failed_ = false;                  // an error was reported; later ones are its echoes
};

// Creates an element from a spec, setting each property from text (enums by nick). Fails with
// the factory or property that does not exist.
Result<GstElement*> makeElement(const ElementSpec& spec);
// A capsfilter named `name` with caps parsed from `caps_text`.
Result<GstElement*> makeCaps(const std::string& caps_text, const char* name);

}  // namespace ds::media

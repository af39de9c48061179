// One viewer's WebRTC branch on the shared video pipeline: tee -> queue -> webrtcbin, with the
// `input` data channel. The server is the offerer. webrtcbin calls back on its own threads;
// every callback is hopped to the main loop through a weak reference, so a branch can be
// destroyed at any time without a callback touching freed memory.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "media/codec_offer.hpp"
#include "media/encode_switch.hpp"
#include "media/gst_util.hpp"
#include "media/keyframe_limiter.hpp"
#include "webrtc/rtx_guard.hpp"
#include "webrtc/transport_monitor.hpp"

namespace ds::webrtc {

struct IceServers {
  std::string stun;               // stun://host:port, or empty
  std::vector<std::string> turn;  // turn(s)://user:pass@host:port?transport=
};

struct PeerCallbacks {
  std::function<void(std::string sdp)> on_offer;  // munged offer, already set as local
  std::function<void(std::string candidate, int mline)> on_candidate;
  std::function<void(std::string reason)> on_failed;  // ICE failed or negotiation error
  // webrtcbin refused the browser's answer (after setAnswer() returned); on_failed if unset.
  std::function<void(std::string reason)> on_answer_refused;
  std::function<void()> on_connected;  // ICE and DTLS connected, once
  std::function<void()> on_channel_open;
  std::function<void(std::string text)> on_channel_message;
  // Transport feedback for the bitrate controller (video branches, on the main loop).
  TransportMonitor::FeedbackCallback on_feedback;
  TransportMonitor::RttCallback on_rtt;
  // Multi-codec branches (BranchOptions::codecs): the tee of the codec the answer chose, for
  // this branch (media::VideoPipeline::acquire), and its release after the branch is unlinked.
  std::function<Result<GstElement*>(const std::string& codec)> acquire_tee;
  std::function<void(const std::string& codec)> release_tee;
};

// What differs between a video branch (the defaults) and an audio branch (audioBranch()).
struct BranchOptions {
  bool data_channel = true;   // create the `input` data channel
  bool playout_delay = true;  // declare the playout-delay extension in the offer
  // The leaky queue between the tee and webrtcbin holds at most this many RTP packets (about
  // 600 kB of video; a keyframe is far smaller with the encoders' one-frame VBV). A count, not a
  // time: a queue's time level is the newest timestamp in minus the last one out, so after a gap
  // longer than a time limit (a static screen's 250 ms heartbeat) a leaky queue drops the first
  // packets of the next frame whenever its thread has not yet dequeued them (docs/performance.md).
  unsigned queue_packets = 512;
  // NACK and RTX retransmission (video, as Selkies). Audio has neither, as on Selkies: a 10 ms
  // Opus frame retransmitted is too late to play, in-band FEC covers loss, and with an RTX SSRC
  // in the audio offer Chromium sometimes refused it ("Failed to add remote stream ssrc").
  bool nack = true;
  // At most one keyframe request (PLI/FIR) from this viewer is passed on per interval.
  std::chrono::milliseconds keyframe_interval = media::KeyframeLimits{}.per_peer;
  // Ask the encoder for a keyframe the moment DTLS is up (video): from webrtcbin's thread, so a
  // busy main loop cannot delay the first frame.
  bool keyframe_on_connect = true;
  // Watch the transport (TWCC summaries, receiver reports) and report it through
  // PeerCallbacks::on_feedback/on_rtt and transportStats().
  bool monitor_transport = true;
  // > 0: ULPFEC in RED (webrtcbin's rtpulpfecenc/rtpredenc) with this share of protection
  // packets, SELKIES_VIDEO_PACKETLOSS_PERCENT.
  int fec_percent = 0;
  // Video: every codec the pipeline can encode, in order of preference. The offer lists them
  // (the transceiver's codec-preferences) and the branch is linked only after the answer, to
  // the tee of the first one the browser accepted (PeerCallbacks::acquire_tee). Empty: the
  // branch is linked at once to the tee given to create() and offers what that tee carries.
  std::vector<media::OfferCodec> codecs;
  // The H.264 profile-level-id written into the offer (media::h264ProfileLevelId).
  std::string h264_profile_level_id = "42e01f";
};

// Audio peers (browser uid 3): no data channel, no playout-delay, a queue of 4 packets (40 ms of
// 10 ms Opus frames; Selkies' 16 ms time limit has the gap problem above at every packet),
// no NACK/RTX.
inline BranchOptions audioBranch() {
  BranchOptions o;
  o.data_channel = false;
  o.playout_delay = false;
  o.queue_packets = 4;
  o.nack = false;
  o.monitor_transport = false;
  o.keyframe_on_connect = false;
  return o;
}

// Loads the WebRTC plugins, has GStreamer generate its per-process DTLS certificate and makes one
// throwaway offer now, at startup, instead of during the first viewer's connection (together
// about 450 ms of the first viewer's time to first frame on a 2-core machine); logs how long it
// took.
void warmUp();

class PeerBranch {
 public:
  // Adds the branch to `pipeline` after `tee` and starts negotiation (create-offer).
  static Result<std::shared_ptr<PeerBranch>> create(GstElement* pipeline, GstElement* tee,
                                                    const std::string& name, const IceServers& ice,
                                                    PeerCallbacks cb, BranchOptions options = {});
  ~PeerBranch();
  PeerBranch(const PeerBranch&) = delete;
  PeerBranch& operator=(const PeerBranch&) = delete;

  // Applies the browser's answer; the error says why it was refused.
  Status setAnswer(const std::string& sdp);
  void addCandidate(int mline, const std::string& candidate);
  void sendChannelText(const std::string& text);
  // Removes the branch from a running pipeline (unlinks at the tee when idle).
  void detach();
  // Moves this viewer to another encode of its codec (the lower encode for a slow path, and
  // back): the old tee's pad is released, the new tee linked; the new encode's packets are held
  // back until one begins a keyframe (the caller asks that encode for one) and numbered on from
  // the last packet sent (media/encode_switch.hpp). Needs a linked branch of a codec
  // media::switchableCodec knows.
  Status switchTee(GstElement* tee);
  // Packets dropped while waiting for the new encode's keyframe, over every move.
  uint64_t switchDroppedPackets() const { return switch_ ? switch_->dropped() : 0; }

  const std::string& name() const { return name_; }
  // The codec this viewer receives ("" until the answer chose one, or for a single-tee branch).
  const std::string& codec() const { return codec_; }
  // True when `element` (a name from media::VideoPipeline::BranchErrorCallback) is one of ours.
  bool owns(const std::string& element) const;
  // This viewer's keyframe requests passed on to the encoder, and dropped by its own limit.
  uint64_t keyframeRequestsForwarded() const { return keyframe_limiter_.forwarded(); }
  uint64_t keyframeRequestsDropped() const { return keyframe_limiter_.dropped(); }
  // This viewer's transport as last seen (nullptr for branches without a monitor).
  const TransportStats* transportStats() const { return monitor_ ? &monitor_->stats() : nullptr; }

  // Internal: the part of the branch that webrtcbin's callbacks reach through a weak_ptr.
  struct Shared;

 private:
  PeerBranch(std::string name, PeerCallbacks cb, BranchOptions options);
  Status build(GstElement* pipeline, GstElement* tee, const IceServers& ice);
  Status linkTo(GstElement* tee);
  void createOffer();
  void onOfferCreated(GstPromise* promise);
  void addProbes();
  static GstPadProbeReturn keyframeProbe(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn firewallProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data);

  std::string name_;
  std::string offered_video_codec_;  // from our offer, e.g. "H265"
  std::string offer_sdp_;            // our offer as sent
  std::string codec_;                // chosen by the answer (multi-codec branches)
  PeerCallbacks cb_;
  BranchOptions options_;
  std::shared_ptr<Shared> shared_;  // what webrtcbin callbacks see, through weak_ptr
  // Our own references (the pipeline holds its own of queue_ and webrtc_), dropped by detach().
  media::GstPtr<GstElement> pipeline_;
  media::GstPtr<GstElement> tee_;
  media::GstPtr<GstElement> queue_;
  media::GstPtr<GstElement> webrtc_;
  media::GstPtr<GstPad> tee_pad_;  // our request pad on tee_
  media::GObjectPtr<GObject> channel_;
  bool detached_ = false;
  bool connected_ = false;  // on_connected was called
  media::KeyframeLimiter keyframe_limiter_;
  std::unique_ptr<RtxGuard> rtx_;  // with NACK on; outlives monitor_, which reads its counts
  std::unique_ptr<TransportMonitor> monitor_;
  std::atomic<bool> media_failed_{false};  // webrtcbin refused a buffer; reported once
  // Branches of a codec media::switchableCodec knows, once linked (its gate is on the queue).
  std::unique_ptr<media::EncodeSwitch> switch_;
};

// Sets up webrtcbin's libnice agent: adds 127.0.0.1 and every interface address (libnice gathers
// no loopback candidate otherwise, and adding one address turns off its own discovery), paces
// connectivity checks at kIcePacingMs and turns UPnP off.
void configureIceAgent(GstElement* webrtcbin);
inline constexpr unsigned kIcePacingMs = 5;

}  // namespace ds::webrtc

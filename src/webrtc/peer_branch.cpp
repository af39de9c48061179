#include "webrtc/peer_branch.hpp"

#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"
#include "webrtc/branch_shared.hpp"
#include "webrtc/ice_agent.hpp"

namespace ds::webrtc {
namespace {

using detail::freeWeak;
using detail::freeWeakNotify;
using detail::kLog;
using detail::onMain;
using detail::weakData;

// Sends a force-key-unit event upstream from webrtcbin's first sink pad (the video).
void requestKeyframeUpstream(GstElement* webrtc) {
  media::GstPtr<GstPad> sink(gst_element_get_static_pad(webrtc, "sink_0"));
  if (sink == nullptr) return;
  gst_pad_push_event(sink.get(),
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

}  // namespace

PeerBranch::PeerBranch(std::string name, PeerCallbacks cb, BranchOptions options)
    : name_(std::move(name)),
      cb_(std::move(cb)),
      options_(options),
      shared_(std::make_shared<Shared>(Shared{this})),
      keyframe_limiter_(options_.keyframe_interval, /*coalesce=*/false) {}

bool PeerBranch::owns(const std::string& element) const {
  return element == "peer-" + name_ + "-queue" || element == "peer-" + name_ + "-webrtc";
}

PeerBranch::~PeerBranch() {
  shared_.reset();  // late webrtcbin callbacks now find nothing
  detach();
  if (keyframe_limiter_.forwarded() + keyframe_limiter_.dropped() > 0) {
    log::info(kLog, "peer " + name_ + ": keyframe requests passed on " +
                        std::to_string(keyframe_limiter_.forwarded()) + ", dropped " +
                        std::to_string(keyframe_limiter_.dropped()));
  }
}

Result<std::shared_ptr<PeerBranch>> PeerBranch::create(GstElement* pipeline, GstElement* tee,
                                                       const std::string& name,
                                                       const IceServers& ice, PeerCallbacks cb,
                                                       BranchOptions options) {
  std::shared_ptr<PeerBranch> branch(new PeerBranch(name, std::move(cb), options));
  if (auto st = branch->build(pipeline, tee, ice); !st) return Unexpected<Error>{st.error()};
  log::info(kLog, "peer " + name + ": webrtcbin created");
  branch->createOffer();
  return branch;
}

Status PeerBranch::build(GstElement* pipeline, GstElement* tee, const IceServers& ice) {
  pipeline_ = media::refPtr(pipeline);
  queue_ = media::sinkPtr(gst_element_factory_make("queue", ("peer-" + name_ + "-queue").c_str()));
  webrtc_ =
      media::sinkPtr(gst_element_factory_make("webrtcbin", ("peer-" + name_ + "-webrtc").c_str()));
  if (queue_ == nullptr || webrtc_ == nullptr) return fail("webrtcbin is not installed");
  GstElement* webrtc = webrtc_.get();  // borrowed: webrtc_ holds our reference
  // A slow viewer drops its own packets instead of blocking the tee for everyone.
  g_object_set(queue_.get(), "leaky", 2 /* downstream */, "max-size-buffers",
               options_.queue_packets, "max-size-bytes", 0u, "max-size-time",
               static_cast<guint64>(0), nullptr);
  gst_util_set_object_arg(G_OBJECT(webrtc), "bundle-policy", "max-bundle");
  g_object_set(webrtc, "latency", 0u, nullptr);
  if (!ice.stun.empty()) g_object_set(webrtc, "stun-server", ice.stun.c_str(), nullptr);
  for (const auto& turn : ice.turn) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(webrtc, "add-turn-server", turn.c_str(), &ok);
  }
  configureIceAgent(webrtc);

  g_signal_connect_data(webrtc, "on-ice-candidate",
                        G_CALLBACK(+[](GstElement*, guint mline, gchar* candidate, gpointer data) {
                          onMain(data, [mline, c = std::string(candidate)](PeerBranch& self) {
                            if (self.cb_.on_candidate)
                              self.cb_.on_candidate(c, static_cast<int>(mline));
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  g_signal_connect_data(webrtc, "notify::ice-connection-state",
                        G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
                          GstWebRTCICEConnectionState state;
                          g_object_get(w, "ice-connection-state", &state, nullptr);
                          onMain(data, [state](PeerBranch& self) {
                            if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED) {
                              log::warn(kLog, "peer " + self.name_ + ": ICE failed");
                              if (self.cb_.on_failed) self.cb_.on_failed("ICE connection failed");
                            }
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  // Media can flow once DTLS is done too: a keyframe asked for at ICE connected can be encoded
  // before the SRTP keys exist and be dropped, and the next one waits for the keyframe limit.
  g_signal_connect_data(webrtc, "notify::connection-state",
                        G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer data) {
                          GstWebRTCPeerConnectionState state;
                          g_object_get(w, "connection-state", &state, nullptr);
                          if (state != GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) return;
                          onMain(data, [](PeerBranch& self) {
                            if (self.connected_) return;
                            self.connected_ = true;
                            if (self.cb_.on_connected) self.cb_.on_connected();
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));

  if (options_.keyframe_on_connect) {
    // From webrtcbin's thread, not the main loop's: a busy main loop cannot delay the first frame.
    // The request goes upstream from webrtcbin's sink pad, through this viewer's limit and the
    // encoder's overall one; only `w` is used, and it is alive while it emits.
    g_signal_connect(webrtc, "notify::connection-state",
                     G_CALLBACK(+[](GstElement* w, GParamSpec*, gpointer) {
                       GstWebRTCPeerConnectionState state;
                       g_object_get(w, "connection-state", &state, nullptr);
                       if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
                         requestKeyframeUpstream(w);
                       }
                     }),
                     nullptr);
  }

  // The bin takes its own reference (the elements are no longer floating); we keep ours.
  gst_bin_add_many(GST_BIN(pipeline_.get()), queue_.get(), webrtc, nullptr);
  if (!gst_element_link_pads(queue_.get(), "src", webrtc, "sink_%u")) {
    return fail("cannot link the viewer branch to webrtcbin");
  }
  GstWebRTCRTPTransceiver* raw_trans = nullptr;
  g_signal_emit_by_name(webrtc, "get-transceiver", 0, &raw_trans);
  if (const media::GstPtr<GstWebRTCRTPTransceiver> trans(raw_trans); trans != nullptr) {
    g_object_set(trans.get(), "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "do-nack",
                 options_.nack ? TRUE : FALSE, nullptr);
    if (options_.fec_percent > 0) {
      g_object_set(trans.get(), "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED, "fec-percentage",
                   static_cast<guint>(std::min(options_.fec_percent, 100)), nullptr);
    }
    if (!options_.codecs.empty()) {
      // The offer is made from these (the queue is not linked yet, so webrtcbin sees no caps).
      const media::CapsPtr prefs(gst_caps_from_string(media::joinCaps(options_.codecs).c_str()));
      if (prefs == nullptr) return fail("invalid codec caps: " + media::joinCaps(options_.codecs));
      g_object_set(trans.get(), "codec-preferences", prefs.get(), nullptr);
    }
  }
  // Before any description: webrtcbin makes its retransmission sender while applying one.
  if (options_.nack) rtx_ = std::make_unique<RtxGuard>(webrtc);
  if (options_.monitor_transport) {
    monitor_ = std::make_unique<TransportMonitor>(webrtc, cb_.on_feedback, cb_.on_rtt, rtx_.get());
  }
  addProbes();
  // Downstream first, tee link last: a buffer reaching an element that is still in NULL returns
  // FLUSHING, which would stop the queue's task and, through the tee, the capture for everyone.
  gst_element_sync_state_with_parent(webrtc);
  gst_element_sync_state_with_parent(queue_.get());
  if (options_.codecs.empty()) {
    if (auto st = linkTo(tee); !st) return st;
  }

  if (!options_.data_channel) return {};
  // Reliable and ordered: a lost key-up would leave a key stuck (upstream uses max-retransmits=0).
  const media::StructurePtr opts(
      gst_structure_new("options", "ordered", G_TYPE_BOOLEAN, TRUE, nullptr));
  GstWebRTCDataChannel* channel = nullptr;
  g_signal_emit_by_name(webrtc, "create-data-channel", "input", opts.get(), &channel);
  if (channel == nullptr) return fail("cannot create the input data channel");
  channel_.reset(G_OBJECT(channel));
  g_signal_connect_data(channel_.get(), "on-open", G_CALLBACK(+[](GObject*, gpointer data) {
                          onMain(data, [](PeerBranch& self) {
                            if (self.cb_.on_channel_open) self.cb_.on_channel_open();
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  g_signal_connect_data(
      channel_.get(), "on-message-string", G_CALLBACK(+[](GObject*, gchar* text, gpointer data) {
        onMain(data, [t = std::string(text == nullptr ? "" : text)](PeerBranch& self) {
          if (self.cb_.on_channel_message) self.cb_.on_channel_message(t);
        });
      }),
      weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  return {};
}

Status PeerBranch::linkTo(GstElement* tee) {
  if (tee == nullptr) return fail("no tee to link the viewer branch to");
  tee_ = media::refPtr(tee);
  tee_pad_.reset(gst_element_request_pad_simple(tee_.get(), "src_%u"));
  media::GstPtr<GstPad> queue_sink(gst_element_get_static_pad(queue_.get(), "sink"));
  if (!switch_ && media::switchableCodec(codec_)) {
    switch_ = std::make_unique<media::EncodeSwitch>(queue_sink.get(), codec_);
  }
  const bool linked = gst_pad_link(tee_pad_.get(), queue_sink.get()) == GST_PAD_LINK_OK;
  if (!linked) return fail("cannot link the viewer branch to the tee");
  return {};
}

void PeerBranch::addProbes() {
  media::GstPtr<GstPad> queue_src(gst_element_get_static_pad(queue_.get(), "src"));
  // Keyframe requests from this viewer's RTCP (PLI/FIR) travel upstream through here.
  gst_pad_add_probe(queue_src.get(), GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &PeerBranch::keyframeProbe,
                    this, nullptr);
  // The media firewall: webrtcbin's answer to a buffer never reaches the tee (see below).
  gst_pad_add_probe(
      queue_src.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &PeerBranch::firewallProbe, weakData(shared_), freeWeakNotify);
}

// Streaming thread (webrtcbin's RTCP). The probe's `self` stays valid: detach() stops the
// webrtcbin (and its threads) before the branch goes.
GstPadProbeReturn PeerBranch::keyframeProbe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer self) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event == nullptr || !gst_video_event_is_force_key_unit(event)) return GST_PAD_PROBE_OK;
  auto* branch = static_cast<PeerBranch*>(self);
  const auto decision = branch->keyframe_limiter_.request(media::KeyframeLimiter::Clock::now());
  return decision == media::KeyframeLimiter::Decision::kForward ? GST_PAD_PROBE_OK
                                                                : GST_PAD_PROBE_DROP;
}

// Queue thread. The queue would remember a failed push (say webrtcbin's DTLS or SRTP broke) and
// hand that flow error to the tee on the next buffer; the tee then fails the shared encode and
// the capture, ending the stream of every viewer. So the buffer is pushed here, and whatever
// webrtcbin answers, the queue is told OK; a failure is reported once, ending this viewer only.
GstPadProbeReturn PeerBranch::firewallProbe(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  media::GstPtr<GstPad> peer(gst_pad_get_peer(pad));
  if (peer == nullptr) return GST_PAD_PROBE_DROP;
  GstFlowReturn ret = GST_FLOW_OK;
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    ret = gst_pad_chain(peer.get(), gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    ret = gst_pad_chain_list(peer.get(), gst_buffer_list_ref(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  }
  peer.reset();
  if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING && ret != GST_FLOW_NOT_LINKED) {
    const std::string why = gst_flow_get_name(ret);
    onMain(data, [why](PeerBranch& self) {
      if (self.media_failed_.exchange(true)) return;
      log::warn(kLog, "peer " + self.name_ + ": webrtcbin refused media (" + why + ")");
      if (self.cb_.on_failed) self.cb_.on_failed("media path failed (" + why + ")");
    });
  }
  return GST_PAD_PROBE_DROP;  // already pushed: the queue sees GST_FLOW_OK
}

Status PeerBranch::switchTee(GstElement* tee) {
  if (detached_ || !switch_ || tee_pad_ == nullptr) {
    return fail("this viewer's stream cannot be moved to another encode");
  }
  if (tee == nullptr) return fail("no encode to move the viewer to");
  if (tee == tee_.get()) return {};
  auto moved = switch_->move(tee_.get(), tee_pad_, tee);
  tee_ = media::refPtr(tee);  // tee_pad_ is null or this tee's now
  if (!moved) {
    // Linked to neither encode: this viewer gets nothing more. It is ended, later on the main
    // loop (the caller may be iterating over the connections).
    std::weak_ptr<Shared> weak = shared_;
    media::postToMain([weak, why = moved.error().message] {
      if (auto s = weak.lock(); s && s->owner->cb_.on_failed) s->owner->cb_.on_failed(why);
    });
    return moved;
  }
  log::info(kLog, "peer " + name_ + ": moved to " + GST_ELEMENT_NAME(tee));
  return {};
}

void PeerBranch::addCandidate(int mline, const std::string& candidate) {
  if (candidate.empty()) return;  // end-of-candidates
  g_signal_emit_by_name(webrtc_.get(), "add-ice-candidate", static_cast<guint>(mline),
                        candidate.c_str());
}

void PeerBranch::sendChannelText(const std::string& text) {
  if (channel_ == nullptr) return;
  GstWebRTCDataChannelState state;
  g_object_get(channel_.get(), "ready-state", &state, nullptr);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) return;
  g_signal_emit_by_name(channel_.get(), "send-string", text.c_str());
}

void PeerBranch::detach() {
  if (detached_ || webrtc_ == nullptr) return;
  detached_ = true;
  // GstTee supports releasing a request pad while streaming: it waits for the push on that pad
  // to finish (the branch queue is leaky, so that is short) and unlinks it. Everything else is
  // then stopped synchronously here on the main loop; nothing is left pending on a probe that a
  // stopping pipeline might never fire.
  if (tee_pad_ != nullptr) {
    gst_element_release_request_pad(tee_.get(), tee_pad_.get());
    tee_pad_.reset();
  }
  monitor_.reset();
  // Two GStreamer 1.22 / libnice 0.1.21 leaks of the agent and its sockets (ice_release.cpp).
  disarmTransportBins(webrtc_.get());
  releaseIceAgentLater(webrtc_.get(), name_);
  gst_element_set_state(webrtc_.get(), GST_STATE_NULL);
  // Again, now that webrtcbin's own thread has stopped: a viewer that leaves while its offer is
  // being made can have its transports made on that thread after the call above (seen once in
  // a 1,000-cycle soak: an audio peer gone 61 ms after its webrtcbin was created).
  if (const int late = disarmTransportBins(webrtc_.get()); late > 0) {
    log::info(kLog, "peer " + name_ + ": " + std::to_string(late) +
                        " ICE-state handler(s) of transports made during teardown disconnected");
  }
  gst_element_set_state(queue_.get(), GST_STATE_NULL);
  gst_bin_remove_many(GST_BIN(pipeline_.get()), queue_.get(), webrtc_.get(), nullptr);
  channel_.reset();
  queue_.reset();
  webrtc_.reset();
  tee_.reset();
  pipeline_.reset();
  // Unlinked and stopped: the encode may go now if this was its last viewer.
  if (!codec_.empty() && cb_.release_tee) cb_.release_tee(codec_);
}

}  // namespace ds::webrtc

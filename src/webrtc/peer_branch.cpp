#include "webrtc/peer_branch.hpp"

#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <utility>

#include "core/log.hpp"
#include "media/main_thread.hpp"
#include "media/video_pipeline.hpp"
#include "sdp/answer.hpp"
#include "sdp/munge.hpp"

namespace ds::webrtc {

// What webrtcbin's threads may reach: a back pointer valid while the branch lives.
struct PeerBranch::Shared {
  PeerBranch* owner;
};

namespace {

constexpr const char* kLog = "webrtc";
using Weak = std::weak_ptr<PeerBranch::Shared>;

gpointer weakData(const std::shared_ptr<PeerBranch::Shared>& s) { return new Weak(s); }
void freeWeak(gpointer data, GClosure* /*closure*/) { delete static_cast<Weak*>(data); }
void freeWeakNotify(gpointer data) { delete static_cast<Weak*>(data); }

// Runs `fn(owner)` on the main loop if the branch still exists then.
template <typename Fn>
void onMain(gpointer data, Fn fn) {
  Weak weak = *static_cast<Weak*>(data);
  media::postToMain([weak, fn = std::move(fn)]() mutable {
    if (auto s = weak.lock()) fn(*s->owner);
  });
}

std::string promiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply == nullptr) return "";
  if (gst_structure_has_field(reply, "error")) {
    GError* err = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &err, nullptr);
    std::string m = err != nullptr ? err->message : "error";
    g_clear_error(&err);
    return m;
  }
  return "";
}

// Sends a force-key-unit event upstream from webrtcbin's first sink pad (the video).
void requestKeyframeUpstream(GstElement* webrtc) {
  GstPad* sink = gst_element_get_static_pad(webrtc, "sink_0");
  if (sink == nullptr) return;
  gst_pad_push_event(sink,
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(sink);
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
  pipeline_ = GST_ELEMENT(gst_object_ref(pipeline));
  queue_ = gst_element_factory_make("queue", ("peer-" + name_ + "-queue").c_str());
  webrtc_ = gst_element_factory_make("webrtcbin", ("peer-" + name_ + "-webrtc").c_str());
  if (queue_ == nullptr || webrtc_ == nullptr) return fail("webrtcbin is not installed");
  gst_object_ref_sink(queue_);
  gst_object_ref_sink(webrtc_);
  // A slow viewer drops its own packets instead of blocking the tee for everyone.
  g_object_set(queue_, "leaky", 2 /* downstream */, "max-size-buffers", options_.queue_packets,
               "max-size-bytes", 0u, "max-size-time", static_cast<guint64>(0), nullptr);
  gst_util_set_object_arg(G_OBJECT(webrtc_), "bundle-policy", "max-bundle");
  g_object_set(webrtc_, "latency", 0u, nullptr);
  if (!ice.stun.empty()) g_object_set(webrtc_, "stun-server", ice.stun.c_str(), nullptr);
  for (const auto& turn : ice.turn) {
    gboolean ok = FALSE;
    g_signal_emit_by_name(webrtc_, "add-turn-server", turn.c_str(), &ok);
  }
  addLocalAddresses(webrtc_);

  g_signal_connect_data(webrtc_, "on-ice-candidate",
                        G_CALLBACK(+[](GstElement*, guint mline, gchar* candidate, gpointer data) {
                          onMain(data, [mline, c = std::string(candidate)](PeerBranch& self) {
                            if (self.cb_.on_candidate)
                              self.cb_.on_candidate(c, static_cast<int>(mline));
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  g_signal_connect_data(webrtc_, "notify::ice-connection-state",
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
  g_signal_connect_data(webrtc_, "notify::connection-state",
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
    g_signal_connect(webrtc_, "notify::connection-state",
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
  gst_bin_add_many(GST_BIN(pipeline_), queue_, webrtc_, nullptr);
  if (!gst_element_link_pads(queue_, "src", webrtc_, "sink_%u")) {
    return fail("cannot link the viewer branch to webrtcbin");
  }
  GstWebRTCRTPTransceiver* trans = nullptr;
  g_signal_emit_by_name(webrtc_, "get-transceiver", 0, &trans);
  if (trans != nullptr) {
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "do-nack",
                 options_.nack ? TRUE : FALSE, nullptr);
    if (options_.fec_percent > 0) {
      g_object_set(trans, "fec-type", GST_WEBRTC_FEC_TYPE_ULP_RED, "fec-percentage",
                   static_cast<guint>(std::min(options_.fec_percent, 100)), nullptr);
    }
    if (!options_.codecs.empty()) {
      // The offer is made from these (the queue is not linked yet, so webrtcbin sees no caps).
      GstCaps* prefs = gst_caps_from_string(media::joinCaps(options_.codecs).c_str());
      if (prefs == nullptr) {
        gst_object_unref(trans);
        return fail("invalid codec caps: " + media::joinCaps(options_.codecs));
      }
      g_object_set(trans, "codec-preferences", prefs, nullptr);
      gst_caps_unref(prefs);
    }
    gst_object_unref(trans);
  }
  if (options_.monitor_transport) {
    monitor_ = std::make_unique<TransportMonitor>(webrtc_, cb_.on_feedback, cb_.on_rtt);
  }
  addProbes();
  // Downstream first, tee link last: a buffer reaching an element that is still in NULL returns
  // FLUSHING, which would stop the queue's task and, through the tee, the capture for everyone.
  gst_element_sync_state_with_parent(webrtc_);
  gst_element_sync_state_with_parent(queue_);
  if (options_.codecs.empty()) {
    if (auto st = linkTo(tee); !st) return st;
  }

  if (!options_.data_channel) return {};
  // Reliable and ordered: a lost key-up would leave a key stuck (upstream uses max-retransmits=0).
  GstStructure* opts = gst_structure_new("options", "ordered", G_TYPE_BOOLEAN, TRUE, nullptr);
  GstWebRTCDataChannel* channel = nullptr;
  g_signal_emit_by_name(webrtc_, "create-data-channel", "input", opts, &channel);
  gst_structure_free(opts);
  if (channel == nullptr) return fail("cannot create the input data channel");
  channel_ = G_OBJECT(channel);
  g_signal_connect_data(channel_, "on-open", G_CALLBACK(+[](GObject*, gpointer data) {
                          onMain(data, [](PeerBranch& self) {
                            if (self.cb_.on_channel_open) self.cb_.on_channel_open();
                          });
                        }),
                        weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  g_signal_connect_data(
      channel_, "on-message-string", G_CALLBACK(+[](GObject*, gchar* text, gpointer data) {
        onMain(data, [t = std::string(text == nullptr ? "" : text)](PeerBranch& self) {
          if (self.cb_.on_channel_message) self.cb_.on_channel_message(t);
        });
      }),
      weakData(shared_), freeWeak, static_cast<GConnectFlags>(0));
  return {};
}

Status PeerBranch::linkTo(GstElement* tee) {
  if (tee == nullptr) return fail("no tee to link the viewer branch to");
  tee_ = GST_ELEMENT(gst_object_ref(tee));
  tee_pad_ = gst_element_request_pad_simple(tee_, "src_%u");
  GstPad* queue_sink = gst_element_get_static_pad(queue_, "sink");
  const bool linked = gst_pad_link(tee_pad_, queue_sink) == GST_PAD_LINK_OK;
  gst_object_unref(queue_sink);
  if (!linked) return fail("cannot link the viewer branch to the tee");
  return {};
}

void PeerBranch::addProbes() {
  GstPad* queue_src = gst_element_get_static_pad(queue_, "src");
  // Keyframe requests from this viewer's RTCP (PLI/FIR) travel upstream through here.
  gst_pad_add_probe(queue_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &PeerBranch::keyframeProbe, this,
                    nullptr);
  // The media firewall: webrtcbin's answer to a buffer never reaches the tee (see below).
  gst_pad_add_probe(
      queue_src,
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      &PeerBranch::firewallProbe, weakData(shared_), freeWeakNotify);
  gst_object_unref(queue_src);
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
  GstPad* peer = gst_pad_get_peer(pad);
  if (peer == nullptr) return GST_PAD_PROBE_DROP;
  GstFlowReturn ret = GST_FLOW_OK;
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    ret = gst_pad_chain(peer, gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    ret = gst_pad_chain_list(peer, gst_buffer_list_ref(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  }
  gst_object_unref(peer);
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

void PeerBranch::createOffer() {
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        gst_promise_ref(p);
        onMain(data, [p](PeerBranch& self) { self.onOfferCreated(p); });
        // If the branch is gone the task never runs; drop our ref either way after this hop.
        media::postToMain([p] { gst_promise_unref(p); });
      },
      weakData(shared_), freeWeakNotify);
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
  gst_promise_unref(promise);
}

void PeerBranch::onOfferCreated(GstPromise* promise) {
  const GstStructure* reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription* offer = nullptr;
  if (reply != nullptr) {
    gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
  }
  if (offer == nullptr) {
    if (cb_.on_failed) cb_.on_failed("webrtcbin could not create an offer");
    return;
  }
  gchar* text = gst_sdp_message_as_text(offer->sdp);
  gst_webrtc_session_description_free(offer);
  sdp::OfferOptions options;
  options.add_playout_delay = options_.playout_delay;
  options.playout_delay_id = media::VideoPipeline::kPlayoutDelayExtId;
  options.h264_profile_level_id = options_.h264_profile_level_id;
  auto munged = sdp::mungeOffer(text, options);
  g_free(text);
  if (!munged) {
    if (cb_.on_failed) cb_.on_failed("offer munging failed: " + munged.error().message);
    return;
  }
  if (options_.playout_delay && munged->playout_delay_id == 0) {
    log::warn(kLog, "playout-delay extension id is taken in the offer; not declared");
  }
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new_from_text(munged->sdp.c_str(), &sdp);
  GstWebRTCSessionDescription* desc =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name(webrtc_, "set-local-description", desc, nullptr);
  gst_webrtc_session_description_free(desc);
  offered_video_codec_ = sdp::offeredVideoCodec(munged->sdp);
  offer_sdp_ = munged->sdp;
  if (cb_.on_offer) cb_.on_offer(munged->sdp);
}

Status PeerBranch::setAnswer(const std::string& text) {
  GstSDPMessage* sdp = nullptr;
  if (gst_sdp_message_new_from_text(text.c_str(), &sdp) != GST_SDP_OK || sdp == nullptr) {
    if (sdp != nullptr) gst_sdp_message_free(sdp);
    return fail("invalid sdp: cannot parse the answer");
  }
  if (gst_sdp_message_medias_len(sdp) == 0) {
    gst_sdp_message_free(sdp);
    return fail("invalid sdp: the answer has no media section");
  }
  // webrtcbin aborts the process on an answer that declines a bundled section: never pass one.
  if (const std::string declined = sdp::declinedSections(text); !declined.empty()) {
    gst_sdp_message_free(sdp);
    if (declined.find("video") != std::string::npos && !options_.codecs.empty()) {
      std::string names;
      for (const auto& c : options_.codecs) names += (names.empty() ? "" : ", ") + c.codec;
      return fail("no common video codec: the browser cannot decode any of " + names +
                  " (its answer declines the video)");
    }
    if (declined.find("video") != std::string::npos && !offered_video_codec_.empty()) {
      return fail("no common video codec: the browser cannot decode " + offered_video_codec_ +
                  " video: its answer declines the video (choose an encoder of a codec it "
                  "decodes, e.g. SELKIES_ENCODER=x264enc)");
    }
    return fail("invalid sdp: the answer declines " + declined);
  }
  std::string chosen;
  if (!options_.codecs.empty()) {
    chosen = sdp::chosenCodec(offer_sdp_, text);
    if (chosen.empty()) {
      gst_sdp_message_free(sdp);
      return fail("invalid sdp: the answer accepts none of the offered video payload types");
    }
  }
  GstWebRTCSessionDescription* desc =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        std::string err = promiseError(p);
        if (err.empty()) return;
        onMain(data, [err](PeerBranch& self) {
          log::warn(kLog, "peer " + self.name_ + ": answer rejected: " + err);
          const std::string why = "invalid sdp: answer rejected: " + err;
          if (self.cb_.on_answer_refused) {
            self.cb_.on_answer_refused(why);
          } else if (self.cb_.on_failed) {
            self.cb_.on_failed(why);
          }
        });
      },
      weakData(shared_), freeWeakNotify);
  g_signal_emit_by_name(webrtc_, "set-remote-description", desc, promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(desc);
  if (chosen.empty() || tee_ != nullptr) return {};
  // Now the viewer's encode: its first buffers reach webrtcbin after the answer is set.
  if (!cb_.acquire_tee) return fail("no encode for " + chosen);
  auto tee = cb_.acquire_tee(chosen);
  if (!tee) return Unexpected<Error>{tee.error()};
  codec_ = chosen;
  log::info(kLog, "peer " + name_ + ": receives " + chosen);
  return linkTo(*tee);
}

void PeerBranch::addCandidate(int mline, const std::string& candidate) {
  if (candidate.empty()) return;  // end-of-candidates
  g_signal_emit_by_name(webrtc_, "add-ice-candidate", static_cast<guint>(mline), candidate.c_str());
}

void PeerBranch::sendChannelText(const std::string& text) {
  if (channel_ == nullptr) return;
  GstWebRTCDataChannelState state;
  g_object_get(channel_, "ready-state", &state, nullptr);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) return;
  g_signal_emit_by_name(channel_, "send-string", text.c_str());
}

void PeerBranch::detach() {
  if (detached_ || webrtc_ == nullptr) return;
  detached_ = true;
  // GstTee supports releasing a request pad while streaming: it waits for the push on that pad
  // to finish (the branch queue is leaky, so that is short) and unlinks it. Everything else is
  // then stopped synchronously here on the main loop; nothing is left pending on a probe that a
  // stopping pipeline might never fire.
  if (tee_pad_ != nullptr) {
    gst_element_release_request_pad(tee_, tee_pad_);
    gst_object_unref(tee_pad_);
    tee_pad_ = nullptr;
  }
  monitor_.reset();
  gst_element_set_state(webrtc_, GST_STATE_NULL);
  gst_element_set_state(queue_, GST_STATE_NULL);
  gst_bin_remove_many(GST_BIN(pipeline_), queue_, webrtc_, nullptr);
  if (channel_ != nullptr) g_object_unref(channel_);
  gst_object_unref(queue_);
  gst_object_unref(webrtc_);
  if (tee_ != nullptr) gst_object_unref(tee_);
  gst_object_unref(pipeline_);
  // Unlinked and stopped: the encode may go now if this was its last viewer.
  if (!codec_.empty() && cb_.release_tee) cb_.release_tee(codec_);
  channel_ = nullptr;
  pipeline_ = tee_ = queue_ = webrtc_ = nullptr;
}

}  // namespace ds::webrtc

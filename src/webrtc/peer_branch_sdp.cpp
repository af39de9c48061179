// PeerBranch's offer/answer exchange with webrtcbin (the rest: peer_branch.cpp).
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <string>

#include "core/log.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"
#include "media/video_pipeline.hpp"
#include "sdp/answer.hpp"
#include "sdp/munge.hpp"
#include "webrtc/branch_shared.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

using detail::freeWeakNotify;
using detail::kLog;
using detail::onMain;
using detail::weakData;

std::string promiseError(GstPromise* promise) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return "no reply";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply == nullptr) return "";
  if (gst_structure_has_field(reply, "error")) {
    GError* raw = nullptr;
    gst_structure_get(reply, "error", G_TYPE_ERROR, &raw, nullptr);
    const media::ErrorPtr err(raw);
    return err != nullptr ? err->message : "error";
  }
  return "";
}

}  // namespace

void PeerBranch::createOffer() {
  GstPromise* promise = gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        gst_promise_ref(p);
        onMain(data, [p](PeerBranch& self) { self.onOfferCreated(p); });
        // If the branch is gone the task never runs; drop our ref either way after this hop.
        media::postToMain([p] { gst_promise_unref(p); });
      },
      weakData(shared_), freeWeakNotify);
  g_signal_emit_by_name(webrtc_.get(), "create-offer", nullptr, promise);
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
  const media::GCharPtr text(gst_sdp_message_as_text(offer->sdp));
  gst_webrtc_session_description_free(offer);
  sdp::OfferOptions options;
  options.add_playout_delay = options_.playout_delay;
  options.playout_delay_id = media::VideoPipeline::kPlayoutDelayExtId;
  options.h264_profile_level_id = options_.h264_profile_level_id;
  auto munged = sdp::mungeOffer(text.get(), options);
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
  g_signal_emit_by_name(webrtc_.get(), "set-local-description", desc, nullptr);
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
  g_signal_emit_by_name(webrtc_.get(), "set-remote-description", desc, promise);
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

}  // namespace ds::webrtc

#include "media/video_pipeline.hpp"

#include <gst/video/video.h>

#include <algorithm>
#include <random>
#include <utility>

#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/main_thread.hpp"
#include "media/yuv_convert.hpp"

namespace ds::media {
namespace {

constexpr const char* kLog = "media";
// Transport-wide congestion control: the feedback flag and the header extension (id 3; the
// playout-delay extension is VideoPipeline::kPlayoutDelayExtId).
constexpr const char* kTransportCcCaps =
    ",rtcp-fb-transport-cc=(boolean)true,"
    "extmap-3=(string)http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

}  // namespace

VideoPipeline::VideoPipeline(VideoOptions options, EncoderProfile profile, ErrorCallback on_error)
    : options_(std::move(options)),
      profile_(std::move(profile)),
      on_error_(std::move(on_error)),
      gate_(frameGateOptionsFor(options_.params.framerate)) {
  std::vector<EncoderProfile> all{profile_};
  for (const auto& name : options_.extra_encoders) {
    auto known = profileFor(name, options_.params);  // config accepts only the table's names
    if (!known) continue;
    EncoderProfile& extra = *known;
    const bool dup = std::any_of(all.begin(), all.end(),
                                 [&](const EncoderProfile& p) { return p.codec == extra.codec; });
    if (!dup) all.push_back(std::move(extra));
  }
  assignPayloadTypes(all);
  if (options_.transport_cc) {
    for (auto& p : all) p.rtp_caps += kTransportCcCaps;  // each encode's caps and its offer
  }
  profile_ = all.front();
  extra_profiles_.assign(all.begin() + 1, all.end());
  std::random_device rd;
  ssrc_ = std::uniform_int_distribution<uint32_t>(1, 0xfffffffeu)(rd);
  timestamp_offset_ = std::uniform_int_distribution<uint32_t>(0, 0x7fffffffu)(rd);
  for (const auto& p : all) offer_.push_back(offerCodec(p, offer_.empty() ? ssrc_ : 0));
}

VideoPipeline::~VideoPipeline() {
  if (bus_watch_ != 0) g_source_remove(bus_watch_);
  if (pipeline_ != nullptr) {
    stopUpstreamFirst(pipeline_.get());
    core::tsanJoin(this);  // the streaming threads are stopped: gateProbe ran for the last time
    scale_.reset();
    low_.reset();
    extras_.clear();  // removes their elements from the (stopped) pipeline
    primary_.reset();
    pipeline_.reset();
  }
}

EncodeOptions VideoPipeline::encodeOptions(const std::string& prefix) {
  EncodeOptions o;
  o.name_prefix = prefix;
  o.playout_delay = !options_.naive_baseline;
  o.ssrc = ssrc_;
  o.timestamp_offset = timestamp_offset_;
  o.keyframe_interval = options_.keyframes.overall;
  o.nominal_fps = options_.params.framerate;
  // The encoder needs a frame to make the keyframe from: let the next one through the gate.
  o.on_keyframe_approved = [this] { gate_.forceNext(); };
  return o;
}

Result<std::unique_ptr<VideoPipeline>> VideoPipeline::start(const VideoOptions& options,
                                                            ErrorCallback on_error) {
  auto profile = options.naive_baseline
                     ? Result<EncoderProfile>(naiveBaselineProfile(options.params))
                     : profileFor(options.encoder, options.params);
  if (!profile) return Unexpected<Error>{profile.error()};
  std::unique_ptr<VideoPipeline> p(
      new VideoPipeline(options, std::move(*profile), std::move(on_error)));
  if (auto st = p->build(); !st) return Unexpected<Error>{st.error()};
  core::tsanPublish(p.get());  // gateProbe reads it on the capture thread
  if (gst_element_set_state(p->pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    return fail("video pipeline failed to start (is DISPLAY " + options.display + " reachable?)");
  }
  return p;
}

Status VideoPipeline::build() {
  pipeline_ = sinkPtr(gst_pipeline_new("video"));
  ElementSpec src_spec;
  if (options_.display.empty()) {
    src_spec = {"videotestsrc", "capture-src", {{"is-live", "true"}}};
    for (const auto& property : options_.test_pattern) src_spec.properties.push_back(property);
  } else {
    // show-pointer off: the browser draws the cursor locally. use-damage off: XDamage makes
    // H.264 drop out until the next IDR (Selkies sets it off too). remote: we talk to X over a
    // socket.
    src_spec = {"ximagesrc",
                "capture-src",
                {{"display-name", options_.display},
                 {"show-pointer", options_.show_pointer ? "true" : "false"},
                 {"use-damage", "false"},
                 {"remote", "true"},
                 {"blocksize", "16384"}}};
  }
  std::string src_caps =
      "video/x-raw,framerate=" + std::to_string(options_.params.framerate) + "/1";
  if (options_.display.empty()) src_caps += ",width=640,height=360";
  std::vector<ChainLink> links{ChainLink(src_spec, "source"),
                               capsLink(src_caps, "capture-caps", "source-caps")};
  // The network's picture size (PictureScale); a pass-through at 100 %.
  for (auto& link : PictureScale::links("picture-")) links.push_back(std::move(link));
  links.emplace_back(ElementSpec{"tee", "raw-tee", {{"allow-not-linked", "true"}}}, "tee");
  auto chain = buildChain(GST_BIN(pipeline_.get()), links);
  if (!chain) return Unexpected<Error>{chain.error()};
  source_ = chain->get("source");
  source_caps_ = chain->get("source-caps");
  raw_tee_ = chain->get("tee");
  scale_ = std::make_unique<PictureScale>(chain->get("scaler"), chain->get("scale-caps"));
  shared_ = chain->elements();
  auto primary =
      Encode::add(pipeline_.get(), raw_tee_, profile_, encodeOptions(""), /*live=*/false);
  if (!primary) return Unexpected<Error>{primary.error()};
  primary_ = std::move(*primary);
  if (!options_.naive_baseline) {
    if (!options_.display.empty()) {
      auto watch = DamageWatch::open(options_.display);
      if (watch) {
        damage_ = std::move(*watch);
      } else {
        log::info(kLog, watch.error().message + "; unchanged frames are found by comparison");
      }
    }
    GstPtr<GstPad> capture_src(gst_element_get_static_pad(source_, "src"));
    gst_pad_add_probe(capture_src.get(), GST_PAD_PROBE_TYPE_BUFFER, &VideoPipeline::gateProbe, this,
                      nullptr);
  }

  GstPtr<GstBus> bus(gst_pipeline_get_bus(GST_PIPELINE(pipeline_.get())));
  bus_watch_ = gst_bus_add_watch(bus.get(), &VideoPipeline::onBusMessage, this);
  return {};
}

gboolean VideoPipeline::onBusMessage(GstBus* /*bus*/, GstMessage* msg, gpointer data) {
  auto* self = static_cast<VideoPipeline*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      const MessageText parsed = parseError(msg);
      std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
                         (parsed.message.empty() ? "unknown error" : parsed.message);
      log::error(kLog, text + (parsed.debug.empty() ? "" : " (" + parsed.debug + ")"));
      // A viewer's branch failed (DTLS, ICE, SCTP, a bad answer): that viewer's problem only.
      if (std::string branch = self->branchOf(GST_MESSAGE_SRC(msg)); !branch.empty()) {
        log::warn(kLog, "viewer branch " + branch + " failed; the stream goes on for the others");
        if (self->on_branch_error_) {
          postToMain([cb = self->on_branch_error_, branch, text] { cb(branch, text); });
        }
        break;
      }
      // The lower encode (a second encoder session, say one NVENC refuses): its viewers go back
      // to the shared encode; restarting everyone's stream would only fail the same way again.
      if (self->low_ && self->low_->owns(GST_MESSAGE_SRC(msg)) && self->on_low_error_) {
        postToMain([cb = self->on_low_error_, text] { cb(text); });
        break;
      }
      // Only the primary encoder fails over; a second codec's failure restarts the stream.
      const bool from_encoder = self->primary_->isEncoderChain(GST_MESSAGE_SRC(msg));
      // One failure posts an error per element it stops (source, then queue): report it once.
      if (self->on_error_ && !std::exchange(self->failed_, true)) {
        // Run outside the bus callback: the handler may destroy this pipeline.
        postToMain([cb = self->on_error_, text, from_encoder] { cb(text, from_encoder); });
      }
      break;
    }
    default:
      handleRoutineBusMessage(self->pipeline_.get(), msg, kLog);
      break;
  }
  return G_SOURCE_CONTINUE;
}

GstPadProbeReturn VideoPipeline::gateProbe(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  const core::TsanCallbackScope scope(data);
  auto* self = static_cast<VideoPipeline*>(data);
  bool changed = true;
  if (self->damage_) {
    changed = self->damage_->changed();
  } else {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstMapInfo map;
    if (buffer == nullptr || !gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
    // Compare with our own copy: holding ximagesrc's buffer would keep its XShm image alive past
    // a capture restart. An unchanged frame costs one memcmp and no copy.
    auto& prev = self->previous_frame_;
    changed = !sameFrame(map.data, map.size, prev.data(), prev.size());
    if (changed) prev.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
  }
  return self->gate_.admit(changed, FrameGate::Clock::now()) ? GST_PAD_PROBE_OK
                                                             : GST_PAD_PROBE_DROP;
}

std::string VideoPipeline::branchOf(GstObject* obj) const {
  // The element directly inside the pipeline (or the top, if it was removed).
  const GstPtr<GstObject> top = topLevelChild(pipeline_.get(), obj);
  std::string name;
  const bool shared = top.get() == GST_OBJECT(pipeline_.get()) || isShared(GST_ELEMENT(top.get()));
  if (!shared) name = GST_OBJECT_NAME(top.get());
  return name;
}

bool VideoPipeline::isShared(GstElement* element) const {
  if (std::find(shared_.begin(), shared_.end(), element) != shared_.end()) return true;
  auto in = [element](const Encode& e) {
    const auto& els = e.elements();
    return std::find(els.begin(), els.end(), element) != els.end();
  };
  if (primary_ && in(*primary_)) return true;
  if (low_ && in(*low_)) return true;
  return std::any_of(extras_.begin(), extras_.end(),
                     [&](const auto& kv) { return in(*kv.second); });
}

Result<GstElement*> VideoPipeline::acquire(const std::string& codec) {
  if (codec == primary_->codec()) {
    ++primary_->users;
    return primary_->tee();
  }
  if (auto it = extras_.find(codec); it != extras_.end()) {
    ++it->second->users;
    return it->second->tee();
  }
  auto profile = std::find_if(extra_profiles_.begin(), extra_profiles_.end(),
                              [&](const EncoderProfile& p) { return p.codec == codec; });
  if (profile == extra_profiles_.end()) return fail("no encoder for " + codec + " here");
  std::string prefix = codec + "-";
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Today's parameters (bitrate, framerate may have changed), the payload type of the offer.
  EncodeParams params = options_.params;
  if (encoder_kbps_ > 0) params.bitrate_kbps = encoder_kbps_;  // congestion control's
  auto known = profileFor(profile->encoder, params);
  if (!known) return Unexpected<Error>{known.error()};
  EncoderProfile& current = *known;
  current.payload_type = profile->payload_type;
  current.rtp_caps = profile->rtp_caps;
  auto encode =
      Encode::add(pipeline_.get(), raw_tee_, current, encodeOptions(prefix), /*live=*/true);
  if (!encode) return Unexpected<Error>{encode.error()};
  (*encode)->users = 1;
  GstElement* tee = (*encode)->tee();
  extras_[codec] = std::move(*encode);
  gate_.forceNext();  // its first frame now, not at the static screen's next repeat
  log::info(kLog, codec + " encode started (" + profile->encoder + ") for a viewer");
  return tee;
}

void VideoPipeline::release(const std::string& codec) {
  if (codec == primary_->codec()) {
    if (primary_->users > 0) --primary_->users;
    return;
  }
  auto it = extras_.find(codec);
  if (it == extras_.end()) return;
  if (--it->second->users <= 0) extras_.erase(it);  // its last viewer: stop and remove it
}

void VideoPipeline::requestKeyframe(const std::string& codec) {
  if (codec.empty() || codec == primary_->codec()) primary_->requestKeyframe();
  if (low_ && codec.empty()) low_->requestKeyframe();
  for (auto& [c, e] : extras_) {
    if (codec.empty() || codec == c) e->requestKeyframe();
  }
}

uint64_t VideoPipeline::keyframeRequestsForwarded() const {
  uint64_t n = primary_->keyframeRequestsForwarded();
  for (const auto& kv : extras_) n += kv.second->keyframeRequestsForwarded();
  return n;
}

uint64_t VideoPipeline::keyframeRequestsDropped() const {
  uint64_t n = primary_->keyframeRequestsDropped();
  for (const auto& kv : extras_) n += kv.second->keyframeRequestsDropped();
  return n;
}

void VideoPipeline::setBitrate(int kbps) {
  options_.params.bitrate_kbps = kbps;
  encoder_kbps_ = 0;
  primary_->setBitrate(options_.params);
  for (auto& kv : extras_) kv.second->setBitrate(options_.params);
  applyLowSetting();
  log::info(kLog, "video bitrate set to " + std::to_string(kbps) + " kbit/s");
}

void VideoPipeline::setEncoderBitrate(int kbps) {
  EncodeParams params = options_.params;
  params.bitrate_kbps = kbps;
  encoder_kbps_ = kbps;
  // Every encode: they share the viewers' lowest target (session/network_adaptation.hpp).
  primary_->setBitrate(params);
  for (auto& kv : extras_) kv.second->setBitrate(params);
  log::debug(kLog, "encoder bitrate " + std::to_string(kbps) + " kbit/s (congestion control)");
}

std::pair<int, int> VideoPipeline::pictureSize() const {
  std::pair<int, int> size{0, 0};
  GstPtr<GstPad> pad(gst_element_get_static_pad(source_caps_, "src"));
  if (pad == nullptr) return size;
  if (CapsPtr caps(gst_pad_get_current_caps(pad.get())); caps != nullptr) {
    const GstStructure* st = gst_caps_get_structure(caps.get(), 0);
    gst_structure_get_int(st, "width", &size.first);
    gst_structure_get_int(st, "height", &size.second);
  }
  return size;
}

void VideoPipeline::setFramerate(int fps) {
  options_.params.framerate = fps;
  std::string caps_text = "video/x-raw,framerate=" + std::to_string(fps) + "/1";
  if (options_.display.empty()) caps_text += ",width=640,height=360";
  CapsPtr caps(gst_caps_from_string(caps_text.c_str()));
  g_object_set(source_caps_, "caps", caps.get(), nullptr);
  // Keep the VBV at ~1.5 frames for the new frame time (x264 and vpx take it in ms).
  primary_->setFramerate(options_.params);
  for (auto& kv : extras_) kv.second->setFramerate(options_.params);
  applyLowSetting();  // its frame limit and bitrate are relative to the capture rate
  log::info(kLog, "framerate set to " + std::to_string(fps) + " fps");
}

void VideoPipeline::setScale(int percent) {
  if (scale_) scale_->set(percent);
}

int VideoPipeline::scalePercent() const { return scale_ ? scale_->percent() : 100; }

void VideoPipeline::setPointerVisible(bool visible) {
  options_.show_pointer = visible;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(source_), "show-pointer") != nullptr) {
    g_object_set(source_, "show-pointer", visible ? TRUE : FALSE, nullptr);
  }
}

void VideoPipeline::restartCapture() {
  gst_element_set_state(source_, GST_STATE_NULL);
  gst_element_sync_state_with_parent(source_);
  requestKeyframe();
  log::info(kLog, "capture restarted for a new screen size");
}

}  // namespace ds::media

#include "audio/audio_pipeline.hpp"

#include <algorithm>
#include <utility>

#include "audio/graph.hpp"
#include "core/log.hpp"
#include "core/tsan.hpp"
#include "media/gst_util.hpp"
#include "media/main_thread.hpp"

namespace ds::audio {
namespace {

using detail::kEncoderName;
using detail::kPrefix;

using detail::kTeeName;
using detail::stopAndUnref;

constexpr const char* kLog = "audio";
constexpr const char* kIdKey = "ds-audio-pipeline-id";  // GObject data: the id build() gave

GstPadProbeReturn countPackets(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  const core::TsanCallbackScope scope(data);
  auto& c = **static_cast<std::shared_ptr<AudioPipeline::Counters>*>(data);
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    c.packets.fetch_add(1);
    c.bytes.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)));
  } else if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    c.packets.fetch_add(gst_buffer_list_length(list));
    c.bytes.fetch_add(gst_buffer_list_calculate_size(list));
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

// What pool-thread work and late main-loop tasks reach: the owner while it lives.
struct AudioPipeline::Token {
  AudioPipeline* self;
};

int clampBitrate(int bps) { return std::clamp(bps, 6000, 510000); }

std::string rtpCaps(int channels) {
  return std::string("application/x-rtp,media=audio,encoding-name=") +
         (channels > 2 ? "MULTIOPUS" : "OPUS") + ",payload=111,clock-rate=48000";
}

AudioPipeline::AudioPipeline(AudioOptions options, StateCallback on_state)
    : options_(std::move(options)),
      on_state_(std::move(on_state)),
      token_(std::make_shared<Token>(Token{this})) {}

AudioPipeline::~AudioPipeline() {
  token_.reset();  // an attempt still connecting cleans up after itself
  if (retry_source_ != 0) g_source_remove(retry_source_);
  teardown();
}

Result<std::unique_ptr<AudioPipeline>> AudioPipeline::start(AudioOptions options,
                                                            StateCallback on_state) {
  if (options.channels < 1 || options.channels > 8) return fail("audio channels must be 1..8");
  options.bitrate_bps = clampBitrate(options.bitrate_bps);
  options.packetloss_percent = std::clamp(options.packetloss_percent, 0.0, 100.0);
  options.retry_initial_ms = std::max(10, options.retry_initial_ms);
  options.retry_max_ms = std::max(options.retry_initial_ms, options.retry_max_ms);
  options.stall_timeout_ms = std::max(0, options.stall_timeout_ms);
  std::unique_ptr<AudioPipeline> p(new AudioPipeline(std::move(options), std::move(on_state)));
  // Check the plugins once up front: a missing one is a configuration error, not a retry case.
  auto probe = detail::buildGraph(p->options_, detail::Source::kPulse);
  if (!probe) return Unexpected<Error>{probe.error()};
  stopAndUnref(*probe);  // never started: dropped at once
  p->next_retry_ms_ = p->options_.retry_initial_ms;
  p->attempt();
  return p;
}

Result<GstElement*> AudioPipeline::build(bool silence) {
  auto built =
      detail::buildGraph(options_, silence ? detail::Source::kSilence : detail::Source::kPulse);
  if (!built) return built;
  GstElement* pipeline = *built;
  const uint64_t id = ++built_;
  g_object_set_data(G_OBJECT(pipeline), kIdKey, GSIZE_TO_POINTER(static_cast<gsize>(id)));
  media::GstPtr<GstElement> pay(gst_bin_get_by_name(GST_BIN(pipeline), detail::kPayloaderName));
  media::GstPtr<GstPad> pay_src(gst_element_get_static_pad(pay.get(), "src"));
  // Each callback's user data: published here, joined in its notify (core/tsan.hpp).
  using CountersRef = std::shared_ptr<Counters>;
  gst_pad_add_probe(
      pay_src.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
      countPackets, core::newCallbackData<CountersRef>(counters_),
      &core::deleteCallbackData<CountersRef>);
  // webrtcbin builds its offer from the caps it can see when the branch is added. The capsfilter
  // alone says OPUS without channels or sprop-* (Chrome needs "opus/48000/2"), so once the
  // payloader has negotiated, its full caps go into the capsfilter and only then are we
  // available.
  struct CapsWatch {
    std::weak_ptr<Token> token;
    uint64_t id;
  };
  media::GstPtr<GstElement> tee(gst_bin_get_by_name(GST_BIN(pipeline), kTeeName));
  media::GstPtr<GstPad> tee_sink(gst_element_get_static_pad(tee.get(), "sink"));
  gst_pad_add_probe(
      tee_sink.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        const core::TsanCallbackScope scope(data);
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
        GstCaps* caps = nullptr;
        gst_event_parse_caps(event, &caps);
        auto* w = static_cast<CapsWatch*>(data);
        media::postToMain([token = w->token, id = w->id, caps = detail::offerCaps(caps)] {
          if (auto t = token.lock()) t->self->onCaps(id, caps);
          gst_caps_unref(caps);
        });
        return GST_PAD_PROBE_REMOVE;
      },
      core::newCallbackData<CapsWatch>(CapsWatch{token_, id}),
      &core::deleteCallbackData<CapsWatch>);
  return pipeline;
}

void AudioPipeline::attempt() {
  retry_source_ = 0;
  // pulsesrc leaks its PulseAudio mainloop (a pipe and a thread) when it fails to connect
  // (GStreamer 1.22 frees it only on READY->NULL, which a failed NULL->READY never reaches):
  // when the server is a unix socket that does not exist, do not try at all.
  if (!detail::pulseServerMayExist(options_.server)) {
    becameUnavailable("no PulseAudio server socket found (set PULSE_SERVER)");
    return;
  }
  auto built = build(false);
  if (!built) {
    becameUnavailable(built.error().message);
    return;
  }
  connecting_ = true;
  // pulsesrc connects to the server in NULL->READY, which can block (TCP servers): do it on a
  // GStreamer pool thread and come back to the main loop with the outcome.
  using WeakToken = std::weak_ptr<Token>;
  gst_element_call_async(
      *built,
      [](GstElement* pipeline, gpointer data) {
        const core::TsanCallbackScope scope(data);
        const bool ok =
            gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
        std::string error = ok ? "" : detail::popError(pipeline);
        std::weak_ptr<Token> weak = *static_cast<std::weak_ptr<Token>*>(data);
        media::postToMain([weak, pipeline, ok, error] {
          if (auto token = weak.lock()) {
            token->self->onAttemptDone(pipeline, ok, error);
          } else {
            stopAndUnref(pipeline);
          }
        });
      },
      core::newCallbackData<WeakToken>(token_), &core::deleteCallbackData<WeakToken>);
}

void AudioPipeline::onAttemptDone(GstElement* pipeline, bool ok, std::string error) {
  connecting_ = false;
  if (!ok) {
    stopAndUnref(pipeline);
    becameUnavailable(error);
    return;
  }
  dropInstalled();  // the silence, if it stood in
  install(pipeline, false);
  connecting_ = true;  // until the RTP caps are known (onCaps)
}

void AudioPipeline::install(GstElement* pipeline, bool silent) {
  pipeline_ = pipeline;
  installed_id_ = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(pipeline), kIdKey));
  silent_ = silent;
  // Borrowed: the bin keeps them alive as long as pipeline_.
  encoder_ = media::GstPtr<GstElement>(gst_bin_get_by_name(GST_BIN(pipeline_), kEncoderName)).get();
  tee_ = media::GstPtr<GstElement>(gst_bin_get_by_name(GST_BIN(pipeline_), kTeeName)).get();
  g_object_set(encoder_, "bitrate", options_.bitrate_bps, nullptr);  // an `ab` while connecting
  media::GstPtr<GstBus> bus(gst_pipeline_get_bus(GST_PIPELINE(pipeline_)));
  bus_watch_ = gst_bus_add_watch(bus.get(), &AudioPipeline::onBusMessage, this);
}

void AudioPipeline::onCaps(uint64_t pipeline_id, GstCaps* caps) {
  if (pipeline_ == nullptr || pipeline_id != installed_id_ || streaming_) return;
  media::GstPtr<GstElement> filter(gst_bin_get_by_name(GST_BIN(pipeline_), detail::kRtpCapsName));
  g_object_set(filter.get(), "caps", caps, nullptr);
  streaming_ = true;
  if (silent_) {
    if (!silence_logged_) {
      log::info(kLog,
                "audio: sending Opus silence while PulseAudio is unavailable, so audio "
                "peers connect (logged once)");
      silence_logged_ = true;
    }
  } else {
    connecting_ = false;
    next_retry_ms_ = options_.retry_initial_ms;
    last_error_.clear();
    log::info(kLog,
              "audio available: PulseAudio " +
                  (options_.server.empty() ? std::string("default server") : options_.server) +
                  ", " + std::to_string(options_.channels) + " ch, " +
                  std::to_string(options_.bitrate_bps) + " bit/s Opus");
    startStallWatch();
  }
  if (on_state_) on_state_(true);
}

void AudioPipeline::startStallWatch() {
  if (options_.stall_timeout_ms == 0) return;
  stall_packets_ = counters_->packets.load();
  stall_since_us_ = g_get_monotonic_time();
  // Checked four times per timeout: noticed between 1 and 1.25 timeouts after the last packet.
  stall_source_ = g_timeout_add(
      static_cast<guint>(std::max(50, options_.stall_timeout_ms / 4)),
      [](gpointer data) -> gboolean {
        static_cast<AudioPipeline*>(data)->checkStall();
        return G_SOURCE_CONTINUE;  // teardown() removes it
      },
      this);
}

void AudioPipeline::checkStall() {
  const uint64_t packets = counters_->packets.load();
  const gint64 now = g_get_monotonic_time();
  if (packets != stall_packets_) {
    stall_packets_ = packets;
    stall_since_us_ = now;
    return;
  }
  if (now - stall_since_us_ < static_cast<gint64>(options_.stall_timeout_ms) * 1000) return;
  becameUnavailable("no audio from PulseAudio for " +
                    std::to_string((now - stall_since_us_) / 1000) +
                    " ms (the server is hung or gone)");
}

void AudioPipeline::dropInstalled(Stop stop) {
  if (pipeline_ == nullptr) return;
  if (streaming_ && on_state_) on_state_(false);  // branches detach before the tee goes
  teardown(stop);
}

void AudioPipeline::becameUnavailable(const std::string& reason) {
  connecting_ = false;  // every caller comes after the attempt finished
  const bool was_available = pipeline_ != nullptr && !silent_ && streaming_;
  const std::string message = "audio unavailable: " + reason + "; retrying in " +
                              std::to_string((next_retry_ms_ + 999) / 1000) + " s";
  if (was_available || reason != last_error_) {
    log::warn(kLog, message);
  } else {
    log::debug(kLog, message);
  }
  last_error_ = reason;
  // A pulsesrc whose server hung or died may wait in its stop for an answer that never comes
  // (libpulse's 30 s operation timeout; measured with a stopped server): off the main loop.
  if (pipeline_ != nullptr && !silent_) dropInstalled(Stop::kOnPoolThread);
  if (options_.silence_when_unavailable && pipeline_ == nullptr && !silence_failed_) {
    startSilence();
  }
  scheduleRetry();
}

void AudioPipeline::startSilence() {
  auto built = build(true);
  std::string error;
  if (!built) {
    error = built.error().message;
  } else if (gst_element_set_state(*built, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = detail::popError(*built);
    stopAndUnref(*built);
  } else {
    install(*built, true);  // available once its caps are known (onCaps)
    return;
  }
  silence_failed_ = true;
  log::warn(kLog,
            "audio: cannot stream silence either (" + error + "); audio peers wait for PulseAudio");
}

void AudioPipeline::onPipelineError(uint64_t pipeline_id, const std::string& text) {
  if (pipeline_ == nullptr || pipeline_id != installed_id_) return;  // already replaced
  if (!silent_) {
    becameUnavailable(text);
    return;
  }
  silence_failed_ = true;
  log::warn(kLog, "audio: the silence failed (" + text + "); audio peers wait for PulseAudio");
  dropInstalled();
}

void AudioPipeline::scheduleRetry() {
  if (retry_source_ != 0) return;
  retry_ms_ = next_retry_ms_;
  next_retry_ms_ = std::min(next_retry_ms_ * 2, options_.retry_max_ms);
  retry_source_ = g_timeout_add(
      static_cast<guint>(retry_ms_),
      [](gpointer data) -> gboolean {
        static_cast<AudioPipeline*>(data)->attempt();
        return G_SOURCE_REMOVE;
      },
      this);
}

void AudioPipeline::teardown(Stop stop) {
  if (bus_watch_ != 0) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  if (stall_source_ != 0) g_source_remove(stall_source_);
  stall_source_ = 0;
  if (pipeline_ != nullptr && stop == Stop::kOnPoolThread) {
    // Our reference goes with the call (gst_element_call_async holds one of its own meanwhile).
    gst_element_call_async(
        pipeline_, [](GstElement* pipeline, gpointer) { stopAndUnref(pipeline); }, nullptr,
        nullptr);
  } else if (pipeline_ != nullptr) {
    stopAndUnref(pipeline_);
  }
  pipeline_ = encoder_ = tee_ = nullptr;
  streaming_ = false;
  silent_ = false;
}

std::string AudioPipeline::status() const {
  if (streaming_ && !silent_) return "available";
  if (connecting_ && last_error_.empty()) return "connecting";
  return "unavailable: " + last_error_ + "; retrying in " +
         std::to_string((retry_ms_ + 999) / 1000) + " s" + (streaming_ ? "; sending silence" : "");
}

void AudioPipeline::setBitrate(int bps) {
  options_.bitrate_bps = clampBitrate(bps);
  if (encoder_ != nullptr) g_object_set(encoder_, "bitrate", options_.bitrate_bps, nullptr);
  log::info(kLog, "audio bitrate set to " + std::to_string(options_.bitrate_bps) + " bit/s");
}

int64_t AudioPipeline::latencyNs() const {
  if (!streaming_) return -1;
  // Asked upstream from the tee: the pipeline itself has no sinks of its own to ask.
  media::QueryPtr q(gst_query_new_latency());
  media::GstPtr<GstPad> tee_sink(gst_element_get_static_pad(tee_, "sink"));
  if (!gst_pad_peer_query(tee_sink.get(), q.get())) return -1;
  gboolean live = FALSE;
  GstClockTime min = 0;
  GstClockTime max = 0;
  gst_query_parse_latency(q.get(), &live, &min, &max);
  return static_cast<int64_t>(min);
}

gboolean AudioPipeline::onBusMessage(GstBus* /*bus*/, GstMessage* msg, gpointer data) {
  auto* self = static_cast<AudioPipeline*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      const std::string src = GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
      const media::MessageText parsed = media::parseError(msg);
      const std::string text = src + ": " + (parsed.message.empty() ? "error" : parsed.message);
      if (src.rfind(kPrefix, 0) != 0) {
        // A viewer branch (webrtcbin, its queue): that viewer's problem, not the capture's.
        log::warn(kLog, "audio branch error: " + text);
        const std::string branch =
            GST_OBJECT_NAME(media::topLevelChild(self->pipeline_, GST_MESSAGE_SRC(msg)).get());
        auto weak = std::weak_ptr<Token>(self->token_);
        media::postToMain([weak, branch, text] {
          auto token = weak.lock();
          if (token && token->self->on_branch_error_) token->self->on_branch_error_(branch, text);
        });
        return G_SOURCE_CONTINUE;
      }
      // Leave the bus callback first: the state callback and teardown remove this watch.
      auto weak = std::weak_ptr<Token>(self->token_);
      media::postToMain([weak, id = self->installed_id_, text] {
        if (auto token = weak.lock()) token->self->onPipelineError(id, text);
      });
      return G_SOURCE_CONTINUE;
    }
    default:
      media::handleRoutineBusMessage(self->pipeline_, msg, kLog);
      break;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace ds::audio

#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <utility>

#include "metrics/families.hpp"
#include "metrics/selkies.hpp"

namespace ds::metrics {
namespace {

using detail::catchUp;
using detail::counters;
using detail::gauges;

const char* phaseName(Phase phase) { return phase == Phase::kStartup ? "startup" : "runtime"; }

}  // namespace

Metrics::Metrics(std::string version, std::string encoder)
    : registry_(std::make_shared<prometheus::Registry>()),
      version_(std::move(version)),
      encoder_(std::move(encoder)),
      info_(gauges(*registry_, "deskstream_info",
                   "Always 1; the labels say which deskstream and which video encoder is in use")),
      info_series_(&info_.Add({{"version", version_}, {"encoder", encoder_}})),
      fallbacks_(counters(*registry_, "deskstream_encoder_fallbacks_total",
                          "Video encoder fallbacks: the encoder `from` was unusable, `to` is used "
                          "instead; phase is startup (probe) or runtime (a running pipeline "
                          "failed)")),
      connections_(gauges(*registry_, "deskstream_connections",
                          "Open signalling connections (video and audio peers)")
                       .Add({})),
      video_viewers_(
          gauges(*registry_, "deskstream_video_viewers", "Peers receiving the shared video encode")
              .Add({})),
      peers_(gauges(*registry_, "deskstream_peers",
                    "WebRTC peers (one webrtcbin each: video and audio) admitted by the peer caps")
                 .Add({})),
      peers_refused_(counters(*registry_, "deskstream_peers_refused_total",
                              "HELLOs refused because a peer cap (DESKSTREAM_MAX_PEERS, "
                              "DESKSTREAM_MAX_PEERS_PER_USER) was reached")
                         .Add({})),
      pipeline_starts_(counters(*registry_, "deskstream_video_pipeline_starts_total",
                                "Video pipelines started (first viewer, restarts, encoder "
                                "fallbacks)")
                           .Add({})),
      frames_encoded_(counters(*registry_, "deskstream_video_frames_encoded_total",
                               "Frames sent to the video encoder")
                          .Add({})),
      frames_skipped_(counters(*registry_, "deskstream_video_frames_skipped_total",
                               "Captured frames kept from the encoder because the screen had not "
                               "changed")
                          .Add({})),
      audio_up_(gauges(*registry_, "deskstream_audio_up",
                       "1 while desktop audio streams, 0 while it waits for PulseAudio or is off")
                    .Add({})),
      pipelines_(
          gauges(*registry_, "deskstream_pipelines", "GStreamer pipelines running (video, audio)")
              .Add({})),
      pipeline_elements_(gauges(*registry_, "deskstream_pipeline_elements",
                                "GStreamer elements inside the running pipelines, the viewers' "
                                "branches included")
                             .Add({})),
      client_fps_(gauges(*registry_, "deskstream_client_fps",
                         "Frames per second the browser decodes, as it reports (_f)")),
      client_latency_(gauges(*registry_, "deskstream_client_latency_ms",
                             "End-to-end latency estimate the browser reports (_l), in ms")),
      ping_rtt_(gauges(*registry_, "deskstream_client_ping_rtt_ms",
                       "Round trip of the server's data-channel ping, in ms")),
      selkies_(std::make_unique<SelkiesFamilies>(*registry_)),
      network_(std::make_unique<NetworkFamilies>(*registry_)) {
  info_series_->Set(1);
}

Metrics::~Metrics() = default;

void Metrics::setEncoder(const std::string& encoder) {
  if (encoder == encoder_) return;
  info_.Remove(info_series_);
  encoder_ = encoder;
  info_series_ = &info_.Add({{"version", version_}, {"encoder", encoder_}});
  info_series_->Set(1);
}

void Metrics::countEncoderFallback(const std::string& from, const std::string& to, Phase phase) {
  fallbacks_.Add({{"from", from}, {"to", to}, {"phase", phaseName(phase)}}).Increment();
}

void Metrics::update(const ServerState& state) {
  if (!state.encoder.empty()) setEncoder(state.encoder);
  connections_.Set(state.connections);
  video_viewers_.Set(state.video_viewers);
  peers_.Set(state.peers);
  catchUp(peers_refused_, state.peers_refused);
  catchUp(pipeline_starts_, state.pipeline_starts);
  catchUp(frames_encoded_, state.frames_encoded);
  catchUp(frames_skipped_, state.frames_skipped);
  audio_up_.Set(state.audio_up ? 1 : 0);
  pipelines_.Set(state.pipelines);
  pipeline_elements_.Set(state.pipeline_elements);
}

void Metrics::setPerConnection(GaugeFamily& family, int connection, double value) {
  family.Add(detail::connectionLabels(connection)).Set(value);
}

void Metrics::setClientFps(int connection, double fps) {
  setPerConnection(client_fps_, connection, fps);
  selkies_->setFps(fps);
}

void Metrics::setClientLatencyMs(int connection, double ms) {
  setPerConnection(client_latency_, connection, ms);
  selkies_->setLatencyMs(ms);
}

void Metrics::setGpuUtilization(double percent) { selkies_->setGpuUtilization(percent); }

void Metrics::setWebrtcStatistics(const std::vector<std::pair<std::string, std::string>>& fields) {
  selkies_->setWebrtcStatistics(fields);
}

void Metrics::setPingRttMs(int connection, double ms) {
  setPerConnection(ping_rtt_, connection, ms);
}

void Metrics::removeConnection(int connection) {
  const auto labels = detail::connectionLabels(connection);
  for (GaugeFamily* family : {&client_fps_, &client_latency_, &ping_rtt_}) {
    detail::drop(*family, labels);
  }
}

void Metrics::setNetwork(const std::vector<ViewerNetworkFigures>& viewers,
                         const EncoderFigures& encoder) {
  network_->set(viewers, encoder);
}

std::string Metrics::render() const {
  std::string text = renderText(*registry_);
  SelkiesFamilies::pythonBucketLabels(text);
  return text;
}

std::string renderText(const prometheus::Collectable& collectable) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, collectable.Collect());
  return out.str();
}

}  // namespace ds::metrics

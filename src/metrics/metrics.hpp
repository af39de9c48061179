// Prometheus metrics (docs/metrics.md): the families deskstream exports, behind named methods,
// and the text exposition format. Pure: no sockets (http::MetricsServer serves render()), no
// knowledge of the session manager (app/ copies its getters into a ServerState at scrape time).
// Not thread-safe by contract: call it from the main loop only (prometheus-cpp locks anyway).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/network.hpp"

namespace prometheus {
class Collectable;
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace ds::metrics {

class SelkiesFamilies;
class NetworkFamilies;

// The Content-Type of render()'s text (Prometheus text exposition format 0.0.4).
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Where an encoder fallback happened: the startup probe, or a running pipeline that failed.
enum class Phase { kStartup, kRuntime };

// Server figures read at scrape time (session::Manager's getters).
struct ServerState {
  std::string encoder;  // the encoder in use now
  int connections = 0;  // signalling WebSockets
  int video_viewers = 0;
  int peers = 0;                 // WebRTC peers holding a slot (DESKSTREAM_MAX_PEERS)
  uint64_t peers_refused = 0;    // monotonic: HELLOs refused by the peer caps
  uint64_t pipeline_starts = 0;  // monotonic
  uint64_t frames_encoded = 0;   // monotonic
  uint64_t frames_skipped = 0;   // monotonic: unchanged frames kept from the encoder
  bool audio_up = false;         // desktop audio is streaming
  int pipelines = 0;             // GStreamer pipelines running (video, audio)
  int pipeline_elements = 0;     // elements inside them, viewers' branches included
};

class Metrics {
 public:
  // `version` and `encoder` label deskstream_info.
  Metrics(std::string version, std::string encoder);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // deskstream_info{encoder}: moves the series to the new label value.
  void setEncoder(const std::string& encoder);
  // deskstream_encoder_fallbacks_total{from,to,phase} += 1: one per fallback event, `from` the
  // encoder that was wanted (requested at startup, or the one that failed), `to` the one used.
  void countEncoderFallback(const std::string& from, const std::string& to, Phase phase);
  // Scrape time: gauges take the values, counters catch up with the monotonic totals (a total
  // that goes backwards is ignored: counters never decrease).
  void update(const ServerState& state);

  // Per connection (label connection=<id>), as the client reports them on the `input` data
  // channel (`_f,<fps>`, `_l,<ms>`) and as the server measures the data-channel ping. The first
  // two also set Selkies' `fps` (+ `fps_hist`) and `latency`, which, as on Selkies, have no
  // connection label: the last report wins.
  void setClientFps(int connection, double fps);
  void setClientLatencyMs(int connection, double ms);
  void setPingRttMs(int connection, double ms);
  // The connection closed: its series disappear from the next scrape.
  void removeConnection(int connection);

  // Selkies' `gpu_utilization` (percent); the family appears on the first call.
  void setGpuUtilization(double percent);
  // Selkies' `webrtc_statistics_info`: the page's last `_stats_video`/`_stats_audio` upload,
  // flattened (input::ClientStats), as its labels (names escaped: metrics/selkies.hpp).
  void setWebrtcStatistics(const std::vector<std::pair<std::string, std::string>>& fields);

  // Each video viewer's network and what the shared encode runs at (scrape time).
  void setNetwork(const std::vector<ViewerNetworkFigures>& viewers, const EncoderFigures& encoder);

  // Every family in the text exposition format.
  std::string render() const;
  const prometheus::Registry& registry() const { return *registry_; }

 private:
  using GaugeFamily = prometheus::Family<prometheus::Gauge>;
  using CounterFamily = prometheus::Family<prometheus::Counter>;
  void setPerConnection(GaugeFamily& family, int connection, double value);

  std::shared_ptr<prometheus::Registry> registry_;
  std::string version_;
  std::string encoder_;
  GaugeFamily& info_;
  prometheus::Gauge* info_series_;
  CounterFamily& fallbacks_;
  prometheus::Gauge& connections_;
  prometheus::Gauge& video_viewers_;
  prometheus::Gauge& peers_;
  prometheus::Counter& peers_refused_;
  prometheus::Counter& pipeline_starts_;
  prometheus::Counter& frames_encoded_;
  prometheus::Counter& frames_skipped_;
  prometheus::Gauge& audio_up_;
  prometheus::Gauge& pipelines_;
  prometheus::Gauge& pipeline_elements_;
  GaugeFamily& client_fps_;
  GaugeFamily& client_latency_;
  GaugeFamily& ping_rtt_;
  std::unique_ptr<SelkiesFamilies> selkies_;
  std::unique_ptr<NetworkFamilies> network_;
};

// Any prometheus-cpp collectable in the text exposition format.
std::string renderText(const prometheus::Collectable& collectable);

}  // namespace ds::metrics

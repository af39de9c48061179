#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "metrics/selkies.hpp"

namespace ds::metrics {
namespace {

// The value of one series (`name{labels}` exactly as rendered), or nullopt when it is absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

TEST(Metrics, InfoCarriesVersionAndFollowsTheEncoder) {
  Metrics m("1.2.3", "nvh264enc");
  auto text = m.render();
  EXPECT_EQ(sample(text, R"(deskstream_info{encoder="nvh264enc",version="1.2.3"})"), 1.0) << text;

  m.setEncoder("x264enc");
  text = m.render();
  EXPECT_EQ(sample(text, R"(deskstream_info{encoder="x264enc",version="1.2.3"})"), 1.0) << text;
  EXPECT_EQ(sample(text, R"(deskstream_info{encoder="nvh264enc",version="1.2.3"})"), std::nullopt)
      << "one info series, not one per encoder ever used:\n"
      << text;
}

TEST(Metrics, FallbacksCountPerPairAndPhase) {
  Metrics m("1", "x264enc");
  const std::string startup =
      R"(deskstream_encoder_fallbacks_total{from="nvh264enc",phase="startup",to="x264enc"})";
  const std::string runtime =
      R"(deskstream_encoder_fallbacks_total{from="vah264enc",phase="runtime",to="x264enc"})";
  EXPECT_EQ(sample(m.render(), startup), std::nullopt) << "no series before the first fallback";

  m.countEncoderFallback("nvh264enc", "x264enc", Phase::kStartup);
  m.countEncoderFallback("vah264enc", "x264enc", Phase::kRuntime);
  m.countEncoderFallback("vah264enc", "x264enc", Phase::kRuntime);
  const auto text = m.render();
  EXPECT_EQ(sample(text, startup), 1.0) << text;
  EXPECT_EQ(sample(text, runtime), 2.0) << text;
  EXPECT_NE(text.find("# TYPE deskstream_encoder_fallbacks_total counter"), std::string::npos)
      << text;
}

TEST(Metrics, ServerStateAtScrapeTime) {
  Metrics m("1", "x264enc");
  ServerState s;
  s.encoder = "vp8enc";
  s.connections = 3;
  s.video_viewers = 2;
  s.peers = 4;
  s.peers_refused = 7;
  s.pipeline_starts = 1;
  s.frames_encoded = 120;
  s.frames_skipped = 480;
  s.audio_up = true;
  s.pipelines = 2;
  s.pipeline_elements = 31;
  m.update(s);
  auto text = m.render();
  EXPECT_EQ(sample(text, "deskstream_connections"), 3.0) << text;
  EXPECT_EQ(sample(text, "deskstream_video_viewers"), 2.0);
  EXPECT_EQ(sample(text, "deskstream_peers"), 4.0);
  EXPECT_EQ(sample(text, "deskstream_peers_refused_total"), 7.0);
  EXPECT_EQ(sample(text, "deskstream_video_pipeline_starts_total"), 1.0);
  EXPECT_EQ(sample(text, "deskstream_video_frames_encoded_total"), 120.0);
  EXPECT_EQ(sample(text, "deskstream_video_frames_skipped_total"), 480.0);
  EXPECT_EQ(sample(text, "deskstream_audio_up"), 1.0);
  EXPECT_EQ(sample(text, "deskstream_pipelines"), 2.0);
  EXPECT_EQ(sample(text, "deskstream_pipeline_elements"), 31.0);
  EXPECT_EQ(sample(text, R"(deskstream_info{encoder="vp8enc",version="1"})"), 1.0);

  // The next scrape: counters follow the totals, gauges go down, a total that goes backwards
  // (it cannot, but a counter must never decrease) leaves the counter where it was.
  s.connections = 0;
  s.video_viewers = 0;
  s.pipeline_starts = 2;
  s.frames_encoded = 100;
  s.frames_skipped = 1000;
  s.audio_up = false;
  s.pipelines = 1;
  s.pipeline_elements = 9;
  m.update(s);
  text = m.render();
  EXPECT_EQ(sample(text, "deskstream_connections"), 0.0);
  EXPECT_EQ(sample(text, "deskstream_video_viewers"), 0.0);
  EXPECT_EQ(sample(text, "deskstream_video_pipeline_starts_total"), 2.0);
  EXPECT_EQ(sample(text, "deskstream_video_frames_encoded_total"), 120.0);
  EXPECT_EQ(sample(text, "deskstream_video_frames_skipped_total"), 1000.0);
  EXPECT_EQ(sample(text, "deskstream_audio_up"), 0.0);
  EXPECT_EQ(sample(text, "deskstream_pipelines"), 1.0);
  EXPECT_EQ(sample(text, "deskstream_pipeline_elements"), 9.0);
}

TEST(Metrics, ClientFiguresPerConnectionGoAwayWhenItCloses) {
  Metrics m("1", "x264enc");
  m.setClientFps(4, 59);
  m.setClientLatencyMs(4, 23);
  m.setPingRttMs(4, 1.5);
  m.setClientFps(7, 30);
  m.setClientFps(4, 60);  // a later report replaces the earlier one
  auto text = m.render();
  EXPECT_EQ(sample(text, R"(deskstream_client_fps{connection="4"})"), 60.0) << text;
  EXPECT_EQ(sample(text, R"(deskstream_client_fps{connection="7"})"), 30.0);
  EXPECT_EQ(sample(text, R"(deskstream_client_latency_ms{connection="4"})"), 23.0);
  EXPECT_EQ(sample(text, R"(deskstream_client_ping_rtt_ms{connection="4"})"), 1.5);

  m.removeConnection(4);
  m.removeConnection(99);  // never reported anything: nothing to remove
  text = m.render();
  EXPECT_EQ(sample(text, R"(deskstream_client_fps{connection="4"})"), std::nullopt) << text;
  EXPECT_EQ(sample(text, R"(deskstream_client_latency_ms{connection="4"})"), std::nullopt);
  EXPECT_EQ(sample(text, R"(deskstream_client_ping_rtt_ms{connection="4"})"), std::nullopt);
  EXPECT_EQ(sample(text, R"(deskstream_client_fps{connection="7"})"), 30.0);
}

// Every line is a comment (# HELP / # TYPE) or `name{label="value",...} number`, every family
// has a TYPE, and label values are escaped (Prometheus text format 0.0.4).
TEST(Metrics, RendersTheTextExpositionFormat) {
  Metrics m("0.1.0", "odd\"enc\\");
  m.countEncoderFallback("a", "b", Phase::kRuntime);
  m.setClientFps(1, 60);
  m.setClientLatencyMs(1, 12);
  m.setPingRttMs(1, 0.8);
  const auto text = m.render();
  const std::regex comment(R"(# (HELP|TYPE) deskstream_[a-z_]+ .*)");
  const std::regex series(
      R"re(deskstream_[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)+\})? -?[0-9.e+]+)re");
  std::istringstream in(text);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.find("deskstream_") == std::string::npos) continue;  // Selkies' families: below
    if (line[0] == '#') {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, series)) << line;
      ++samples;
    }
  }
  // 1 fallback + 4 counters + info + 6 gauges + 3 client + 3 encoder/network gauges
  EXPECT_EQ(samples, 18) << text;
  for (const char* family :
       {"deskstream_info gauge", "deskstream_connections gauge", "deskstream_video_viewers gauge",
        "deskstream_peers gauge", "deskstream_peers_refused_total counter",
        "deskstream_video_pipeline_starts_total counter",
        "deskstream_video_frames_encoded_total counter",
        "deskstream_video_frames_skipped_total counter", "deskstream_audio_up gauge",
        "deskstream_pipelines gauge", "deskstream_pipeline_elements gauge",
        "deskstream_client_fps gauge", "deskstream_client_latency_ms gauge",
        "deskstream_client_ping_rtt_ms gauge"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  }
  EXPECT_NE(text.find(R"(encoder="odd\"enc\\")"), std::string::npos) << text;
  EXPECT_EQ(kContentType, "text/plain; version=0.0.4; charset=utf-8");
}

// Each viewer's network figures are series labelled by connection; a figure not known is no
// series; a viewer that left takes its series with it; counters only go up.
TEST(Metrics, NetworkFiguresPerViewer) {
  Metrics m("0.1.0", "x264enc");
  ViewerNetworkFigures a;
  a.connection = 4;
  a.target_kbps = 2500;
  a.received_kbps = 2400;
  a.rtt_ms = 31.5;
  a.loss = 0.02;
  a.nacks = 7;
  a.plis = 1;
  a.decreases_delay = 4;
  a.decreases_rtt = 1;
  a.decreases_stall = 2;
  a.path_kbps = 2900;
  ViewerNetworkFigures b;
  b.connection = 9;
  b.nacks = 3;
  m.setNetwork({a, b}, {2500, 24, true});
  auto text = m.render();
  for (const char* line :
       {"deskstream_network_target_kbps{connection=\"4\"} 2500",
        "deskstream_network_received_kbps{connection=\"4\"} 2400",
        "deskstream_network_rtt_ms{connection=\"4\"} 31.5",
        "deskstream_network_path_kbps{connection=\"4\"} 2900",
        "deskstream_network_loss_ratio{connection=\"4\"} 0.02",
        "deskstream_network_nacks_total{connection=\"4\"} 7",
        "deskstream_network_plis_total{connection=\"4\"} 1",
        "deskstream_network_decreases_total{connection=\"4\",reason=\"delay\"} 4",
        "deskstream_network_decreases_total{connection=\"4\",reason=\"rtt\"} 1",
        "deskstream_network_decreases_total{connection=\"4\",reason=\"loss\"} 0",
        "deskstream_network_decreases_total{connection=\"4\",reason=\"stall\"} 2",
        "deskstream_network_nacks_total{connection=\"9\"} 3", "deskstream_video_encoder_kbps 2500",
        "deskstream_video_encoder_fps 24", "deskstream_network_limited 1"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("deskstream_network_target_kbps{connection=\"9\"}"), std::string::npos)
      << "no controller figures for a viewer without congestion control";
  a.nacks = 5;  // a total that goes backwards is ignored
  m.setNetwork({a}, {8000, 30, false});
  text = m.render();
  EXPECT_NE(text.find("deskstream_network_nacks_total{connection=\"4\"} 7"), std::string::npos);
  EXPECT_EQ(text.find("connection=\"9\""), std::string::npos) << "viewer 9 left";
  EXPECT_NE(text.find("deskstream_network_limited 0"), std::string::npos);
}

TEST(SelkiesMetrics, SameNamesAsSelkies) {
  Metrics m("1", "x264enc");
  auto text = m.render();
  // Present from the start, as prometheus_client shows them (gpu_utilization: only with a GPU).
  EXPECT_EQ(sample(text, "fps"), 0.0) << text;
  EXPECT_EQ(sample(text, "latency"), 0.0) << text;
  EXPECT_EQ(sample(text, "fps_hist_count"), 0.0) << text;
  EXPECT_EQ(sample(text, "webrtc_statistics_info"), 1.0) << text;
  EXPECT_EQ(text.find("gpu_utilization"), std::string::npos) << text;

  m.setClientFps(3, 59);
  m.setClientFps(4, 25);  // no connection label on Selkies' figures: the last report wins
  m.setClientLatencyMs(3, 17);
  m.setGpuUtilization(42);
  text = m.render();
  EXPECT_EQ(sample(text, "fps"), 25.0) << text;
  EXPECT_EQ(sample(text, "latency"), 17.0) << text;
  EXPECT_EQ(sample(text, "gpu_utilization"), 42.0) << text;
  EXPECT_EQ(sample(text, R"(fps_hist_bucket{le="0.0"})"), 0.0) << text;
  EXPECT_EQ(sample(text, R"(fps_hist_bucket{le="20.0"})"), 0.0) << text;
  EXPECT_EQ(sample(text, R"(fps_hist_bucket{le="40.0"})"), 1.0) << text;
  EXPECT_EQ(sample(text, R"(fps_hist_bucket{le="60.0"})"), 2.0) << text;
  EXPECT_EQ(sample(text, R"(fps_hist_bucket{le="+Inf"})"), 2.0) << text;
  EXPECT_EQ(sample(text, "fps_hist_count"), 2.0) << text;
  EXPECT_EQ(sample(text, "fps_hist_sum"), 84.0) << text;
  for (const char* family : {"fps gauge", "fps_hist histogram", "latency gauge",
                             "gpu_utilization gauge", "webrtc_statistics_info gauge"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
  }
  EXPECT_NE(text.find("# HELP fps Frames per second observed by client\n"), std::string::npos);
  EXPECT_NE(text.find("# HELP webrtc_statistics_info WebRTC Statistics from the client\n"),
            std::string::npos);
}

TEST(SelkiesMetrics, WebrtcStatisticsInfoCarriesTheLastUpload) {
  Metrics m("1", "x264enc");
  m.setWebrtcStatistics({{"inbound-rtp.framesPerSecond", "30"},
                         {"codec-COT01.mimeType", "video/H264"},
                         {"codec-COT01.sdpFmtpLine", "a=\"1\";b=2"},
                         {"codec_COT01.mimeType", "a repeat after escaping"},
                         {"1st.x", "y"}});
  auto text = m.render();
  const std::string series =
      R"(webrtc_statistics_info{_1st_x="y",codec_COT01_mimeType="video/H264",)"
      R"(codec_COT01_sdpFmtpLine="a=\"1\";b=2",inbound_rtp_framesPerSecond="30"})";
  EXPECT_EQ(sample(text, series), 1.0) << text;
  m.setWebrtcStatistics({{"inbound-rtp.framesPerSecond", "29"}});
  text = m.render();
  EXPECT_EQ(sample(text, series), std::nullopt) << "one series: the last upload only\n" << text;
  EXPECT_EQ(sample(text, R"(webrtc_statistics_info{inbound_rtp_framesPerSecond="29"})"), 1.0)
      << text;
  EXPECT_EQ(labelName("__x"), "x__x");
  EXPECT_EQ(labelName(""), "_");
}

}  // namespace
}  // namespace ds::metrics

// Measures how long a tone change takes from the player to decoded RTP at the tee, for each
// pulsesrc clocking choice (provide-clock, do-timestamp), and the packet spacing jitter. The
// figures back the defaults in AudioOptions (docs/audio.md); the bounds asserted are loose.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <vector>

#include "audio/audio_pipeline.hpp"
#include "unit/audio/pulse_server.hpp"

namespace ds::audio {
namespace {

using testing::iterate;
using testing::iterateUntil;
using testing::PulseServer;
using testing::TonePlayer;

double power(const int16_t* s, size_t n, double hz) {
  const double k = 2.0 * std::cos(2.0 * M_PI * hz / 48000.0);
  double s1 = 0;
  double s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s0 = s[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

// Streaming-thread detector on decoded 10 ms frames: when `high` (1 kHz) first dominates.
struct Detector {
  std::atomic<gint64> high_since{0};  // monotonic µs of the first 1 kHz frame, 0 = not yet
  std::atomic<bool> armed{false};
  std::atomic<gint64> last_packet{0};
  std::mutex mu;
  std::vector<gint64> gaps;  // µs between payloader packets, under mu
};

GstPadProbeReturn onPcm(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* d = static_cast<Detector*>(data);
  GstMapInfo map;
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!d->armed.load() || !gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
  const auto* s = reinterpret_cast<const int16_t*>(map.data);
  const size_t n = map.size / 2;
  if (n >= 240 && power(s, n, 1000) > 10 * power(s, n, 440) && d->high_since.load() == 0) {
    d->high_since = g_get_monotonic_time();
  }
  gst_buffer_unmap(buf, &map);
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn onRtp(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* d = static_cast<Detector*>(data);
  const gint64 now = g_get_monotonic_time();
  const gint64 last = d->last_packet.exchange(now);
  const std::lock_guard lock(d->mu);
  if (last != 0 && d->gaps.size() < 100000) d->gaps.push_back(now - last);
  return GST_PAD_PROBE_OK;
}

struct Figures {
  double median_ms;
  double gap_p99_ms;
  double latency_query_ms;
};

Figures measure(const std::string& server, bool provide_clock, bool do_timestamp) {
  TonePlayer tone(server, 440);
  EXPECT_TRUE(tone.ok());
  // The detector outlives the pipeline: its probes run on streaming threads until the pipeline
  // is stopped, which happens when `p` goes out of scope, before `d` does.
  Detector d;
  AudioOptions o;
  o.server = server;
  o.provide_clock = provide_clock;
  o.do_timestamp = do_timestamp;
  auto p = AudioPipeline::start(o, nullptr);
  // Under a loaded CI machine the first connect can take a while; never go on without a
  // pipeline (pipeline() is null until audio is available).
  if (!p) {
    ADD_FAILURE() << p.error().message;
    return Figures{-1, -1, -1};
  }
  if (!iterateUntil([&] { return (*p)->available(); }, 15000)) {
    ADD_FAILURE() << "audio not available: " << (*p)->status();
    return Figures{-1, -1, -1};
  }
  GstElement* bin = gst_parse_bin_from_description(
      "queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! rtpopusdepay ! opusdec "
      "name=dec ! audio/x-raw,format=S16LE,channels=1,rate=48000 ! fakesink sync=false",
      TRUE, nullptr);
  gst_bin_add(GST_BIN((*p)->pipeline()), bin);
  GstElement* dec = gst_bin_get_by_name(GST_BIN(bin), "dec");
  GstPad* dec_src = gst_element_get_static_pad(dec, "src");
  gst_pad_add_probe(dec_src, GST_PAD_PROBE_TYPE_BUFFER, onPcm, &d, nullptr);
  gst_object_unref(dec_src);
  gst_object_unref(dec);
  gst_element_sync_state_with_parent(bin);
  GstPad* tee_pad = gst_element_request_pad_simple((*p)->tee(), "src_%u");
  GstPad* sink = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(tee_pad, sink);
  gst_object_unref(sink);
  GstPad* tee_sink = gst_element_get_static_pad((*p)->tee(), "sink");
  gst_pad_add_probe(tee_sink, GST_PAD_PROBE_TYPE_BUFFER, onRtp, &d, nullptr);
  gst_object_unref(tee_sink);
  iterate(500);
  std::vector<double> delays;
  for (int i = 0; i < 7; ++i) {
    tone.setFrequency(440);
    iterate(300);
    d.high_since = 0;
    d.armed = true;
    const gint64 t0 = g_get_monotonic_time();
    tone.setFrequency(1000);
    if (!iterateUntil([&] { return d.high_since.load() != 0; }, 2000)) continue;
    delays.push_back(static_cast<double>(d.high_since.load() - t0) / 1000.0);
    d.armed = false;
  }
  Figures f{};
  std::sort(delays.begin(), delays.end());
  f.median_ms = delays.empty() ? -1 : delays[delays.size() / 2];
  (*p)->setBitrate(64000);  // (touch the runtime path under measurement too)
  iterate(200);
  gst_element_release_request_pad((*p)->tee(), tee_pad);
  gst_object_unref(tee_pad);
  std::vector<gint64> gaps;
  {
    const std::lock_guard lock(d.mu);
    gaps = d.gaps;
  }
  std::sort(gaps.begin(), gaps.end());
  f.gap_p99_ms = gaps.empty() ? -1 : static_cast<double>(gaps[gaps.size() * 99 / 100]) / 1000.0;
  f.latency_query_ms = static_cast<double>((*p)->latencyNs()) / 1e6;
  return f;
}

TEST(AudioLatency, ToneChangeToRtpPerClockingChoice) {
  PulseServer server;
  ASSERT_TRUE(server.start());
  struct Case {
    bool provide_clock;
    bool do_timestamp;
  };
  for (Case c : {Case{true, false}, Case{false, false}, Case{true, true}, Case{false, true}}) {
    const Figures f = measure(server.address(), c.provide_clock, c.do_timestamp);
    std::printf(
        "provide-clock=%d do-timestamp=%d: tone change -> decoded RTP median %.1f ms, packet gap "
        "p99 %.1f ms, latency query %.1f ms\n",
        c.provide_clock, c.do_timestamp, f.median_ms, f.gap_p99_ms, f.latency_query_ms);
    EXPECT_GT(f.median_ms, 0);
    EXPECT_LT(f.median_ms, 250);
  }
}

}  // namespace
}  // namespace ds::audio

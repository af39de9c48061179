// Component tests: a real PulseAudio daemon with a null sink, a tone played into it, the real
// audio pipeline capturing its monitor, and taps on the tee that check RTP and decode the Opus.
#include "audio/audio_pipeline.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "unit/audio/pulse_server.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::audio {
namespace {

using testing::iterate;
using testing::iterateUntil;
using testing::PulseServer;
using testing::TonePlayer;

// A bin from `description` (ending in an appsink named "out") linked to a new tee pad.
GstElement* tap(AudioPipeline& p, const std::string& description) {
  GstElement* bin = gst_parse_bin_from_description(description.c_str(), TRUE, nullptr);
  if (bin == nullptr) return nullptr;
  gst_bin_add(GST_BIN(p.pipeline()), bin);
  gst_element_sync_state_with_parent(bin);
  GstPad* tee_pad = gst_element_request_pad_simple(p.tee(), "src_%u");
  GstPad* sink = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(tee_pad, sink);
  gst_object_unref(sink);
  gst_object_unref(tee_pad);
  return gst_bin_get_by_name(GST_BIN(bin), "out");  // caller unrefs
}

// Goertzel power of `hz` in 48 kHz mono S16 samples.
double power(const std::vector<int16_t>& s, double hz) {
  const double w = 2.0 * M_PI * hz / 48000.0;
  const double k = 2.0 * std::cos(w);
  double s1 = 0;
  double s2 = 0;
  for (int16_t x : s) {
    const double s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

// Pulls decoded audio until 4800 samples (100 ms) of the newest audio are in `out`.
bool pullWindow(GstElement* appsink, std::vector<int16_t>& out) {
  std::vector<int16_t> acc;
  const gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (acc.size() < 4800 && g_get_monotonic_time() < end) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), 100 * GST_MSECOND);
    if (sample == nullptr) continue;
    GstMapInfo map;
    GstBuffer* buf = gst_sample_get_buffer(sample);
    if (gst_buffer_map(buf, &map, GST_MAP_READ)) {
      const auto* d = reinterpret_cast<const int16_t*>(map.data);
      acc.insert(acc.end(), d, d + map.size / 2);
      gst_buffer_unmap(buf, &map);
    }
    gst_sample_unref(sample);
  }
  out = std::move(acc);
  return out.size() >= 4800;
}

// The frequency (of `candidates`) with the most power in the next 100 ms of decoded audio;
// `seen`, when given, gets each candidate's power (or why there was no window), for messages.
double dominant(GstElement* appsink, const std::vector<double>& candidates,
                std::string* seen = nullptr) {
  std::vector<int16_t> s;
  if (!pullWindow(appsink, s)) {
    if (seen != nullptr) *seen = "no 100 ms window of decoded audio within 2 s";
    return 0;
  }
  double best = 0;
  double best_p = -1;
  if (seen != nullptr) seen->clear();
  for (double f : candidates) {
    const double p = power(s, f);
    if (seen != nullptr)
      *seen += std::to_string(static_cast<int>(f)) + " Hz: " + std::to_string(p) + "; ";
    if (p > best_p) best_p = p, best = f;
  }
  return best;
}

constexpr const char* kDecodeTap =
    "queue leaky=downstream max-size-time=0 max-size-bytes=0 max-size-buffers=200 ! "
    "rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
    "audio/x-raw,format=S16LE,channels=1,rate=48000 ! "
    "appsink name=out sync=false max-buffers=20 drop=true";
constexpr const char* kRtpTap = "queue ! appsink name=out sync=false max-buffers=50 drop=true";

TEST(AudioPure, BitrateClampAndRtpCaps) {
  EXPECT_EQ(clampBitrate(1000), 6000);
  EXPECT_EQ(clampBitrate(96000), 96000);
  EXPECT_EQ(clampBitrate(1000000), 510000);
  EXPECT_NE(rtpCaps(2).find("encoding-name=OPUS,"), std::string::npos);
  EXPECT_NE(rtpCaps(6).find("encoding-name=MULTIOPUS"), std::string::npos);
  EXPECT_FALSE(AudioPipeline::start(AudioOptions{.channels = 9}, nullptr));
}

TEST(AudioPipeline, StreamsOpusRtpOfThePlayedToneAndFollowsIt) {
  PulseServer server;
  ASSERT_TRUE(server.start()) << "pulseaudio did not start; log in " << server.dir();
  TonePlayer tone(server.address(), 440);
  ASSERT_TRUE(tone.ok());
  int ups = 0;
  AudioOptions o;
  o.server = server.address();
  o.packetloss_percent = 10;
  auto p = AudioPipeline::start(o, [&](bool up) { ups += up ? 1 : 0; });
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000)) << (*p)->status();
  // The state callback runs from the main loop after available() flips: let it arrive.
  EXPECT_TRUE(iterateUntil([&] { return ups >= 1; }, 2000));
  EXPECT_EQ(ups, 1) << (*p)->status();
  EXPECT_EQ((*p)->status(), "available");
  GstElement* rtp = tap(**p, kRtpTap);
  GstElement* pcm = tap(**p, kDecodeTap);
  ASSERT_NE(rtp, nullptr);
  ASSERT_NE(pcm, nullptr);
  ASSERT_TRUE(iterateUntil([&] { return (*p)->packets() > 100; }, 5000));

  // RTP: payload type 111, 10 ms per packet (480 ticks at 48 kHz), CBR size for 128 kbit/s.
  // Read as figures that hold for most packets (the median size and timestamp step),
  // and printed whole when an expectation fails: one packet the appsink dropped under load, or
  // one still in flight from before a change, must not decide the test.
  struct RtpRead {
    guint pt = 0;
    std::vector<size_t> sizes;
    std::vector<guint32> steps;
    std::string text() const {
      std::string t = "pt " + std::to_string(pt) + ", sizes";
      for (size_t s : sizes) t += " " + std::to_string(s);
      t += ", steps";
      for (guint32 s : steps) t += " " + std::to_string(s);
      return t;
    }
  };
  auto readRtp = [&] {
    RtpRead r;
    guint32 last_ts = 0;
    for (int i = 0; i < 20; ++i) {
      GstSample* s = gst_app_sink_try_pull_sample(GST_APP_SINK(rtp), GST_SECOND);
      if (s == nullptr) break;
      GstRTPBuffer b = GST_RTP_BUFFER_INIT;
      if (gst_rtp_buffer_map(gst_sample_get_buffer(s), GST_MAP_READ, &b)) {
        r.pt = gst_rtp_buffer_get_payload_type(&b);
        const guint32 ts = gst_rtp_buffer_get_timestamp(&b);
        if (!r.sizes.empty()) r.steps.push_back(ts - last_ts);
        last_ts = ts;
        r.sizes.push_back(gst_rtp_buffer_get_payload_len(&b));
        gst_rtp_buffer_unmap(&b);
      }
      gst_sample_unref(s);
    }
    return r;
  };
  auto medianOf = [](auto values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : static_cast<double>(values[values.size() / 2]);
  };
  RtpRead first = readRtp();
  ASSERT_GE(first.sizes.size(), 10u) << first.text();
  EXPECT_EQ(first.pt, 111u) << first.text();
  EXPECT_EQ(medianOf(first.steps), 480.0) << first.text();
  EXPECT_NEAR(medianOf(first.sizes), 160.0, 8.0) << first.text();  // 128000 bit/s * 10 ms

  const std::vector<double> freqs = {440, 1000};
  std::string powers;
  EXPECT_EQ(dominant(pcm, freqs, &powers), 440) << powers;
  tone.setFrequency(1000);
  const gint64 changed = g_get_monotonic_time();
  ASSERT_TRUE(iterateUntil([&] { return dominant(pcm, freqs, &powers) == 1000; }, 3000))
      << "the last window: " << powers;
  std::printf(
      "tone change visible in decoded RTP after %lld ms (pulsesink+pulsesrc+opus+100 ms window)\n",
      static_cast<long long>((g_get_monotonic_time() - changed) / 1000));
  std::printf("audio pipeline latency (GStreamer latency query): %.1f ms\n",
              static_cast<double>((*p)->latencyNs()) / 1e6);

  // The new bitrate reaches the packets without a restart: within 2 s, 20 packets in a row whose
  // median is the CBR size for 64 kbit/s.
  (*p)->setBitrate(64000);
  RtpRead after;
  const bool halved = iterateUntil(
      [&] {
        // Drop what the tap queued, then read fresh packets.
        while (GstSample* old = gst_app_sink_try_pull_sample(GST_APP_SINK(rtp), 0)) {
          gst_sample_unref(old);
        }
        after = readRtp();
        return after.sizes.size() >= 10u && std::abs(medianOf(after.sizes) - 80.0) <= 6.0;
      },
      2000);
  EXPECT_TRUE(halved) << "64000 bit/s * 10 ms is 80 bytes; read: " << after.text();
  gst_object_unref(rtp);
  gst_object_unref(pcm);
}

TEST(AudioPipeline, UnavailableWithoutServerStartsWhenItAppearsAndSurvivesItsLoss) {
  PulseServer server;  // not started yet
  std::vector<bool> states;
  AudioOptions o;
  o.server = server.address();
  auto p = AudioPipeline::start(o, [&](bool up) { states.push_back(up); });
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(iterateUntil([&] { return (*p)->status().rfind("unavailable", 0) == 0; }, 3000))
      << (*p)->status();
  EXPECT_FALSE((*p)->available());
  EXPECT_EQ((*p)->tee(), nullptr);
  std::printf("status without a server: %s\n", (*p)->status().c_str());
  iterate(1500);  // at least one retry went by
  EXPECT_FALSE((*p)->available());

  ASSERT_TRUE(server.start());
  TonePlayer tone(server.address(), 440);
  const gint64 started = g_get_monotonic_time();
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000)) << (*p)->status();
  std::printf("audio available %lld ms after the server started\n",
              static_cast<long long>((g_get_monotonic_time() - started) / 1000));
  const auto before = (*p)->packets();
  ASSERT_TRUE(iterateUntil([&] { return (*p)->packets() > before + 50; }, 3000));
  ASSERT_EQ(states, std::vector<bool>({true}));

  // The server goes away mid-stream: unavailable, and back when it returns.
  server.stop();
  ASSERT_TRUE(iterateUntil([&] { return !(*p)->available(); }, 5000));
  EXPECT_EQ(states, std::vector<bool>({true, false}));
  EXPECT_EQ((*p)->status().rfind("unavailable", 0), 0u) << (*p)->status();
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000)) << (*p)->status();
  EXPECT_EQ(states, std::vector<bool>({true, false, true}));
}

// A hung server (SIGSTOP: its socket stays open, so pulsesrc sees no error and just waits) is
// treated as a lost one once no packet came for `stall_timeout_ms`, without blocking the main
// loop, and the audio comes back when it wakes.
TEST(AudioPipeline, AHungServerIsTreatedAsLostAndTheAudioComesBackWhenItWakes) {
  PulseServer server;
  ASSERT_TRUE(server.start());
  TonePlayer tone(server.address(), 440);
  std::vector<bool> states;
  AudioOptions o;
  o.server = server.address();
  o.stall_timeout_ms = 1500;
  auto p = AudioPipeline::start(o, [&](bool up) { states.push_back(up); });
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000)) << (*p)->status();
  const auto before = (*p)->packets();
  ASSERT_TRUE(iterateUntil([&] { return (*p)->packets() > before + 100; }, 3000));

  server.pause();
  const gint64 paused = g_get_monotonic_time();
  gint64 longest_gap = 0;  // the longest the main loop went without running this check
  gint64 last = paused;
  const bool lost = iterateUntil(
      [&] {
        const gint64 now = g_get_monotonic_time();
        longest_gap = std::max(longest_gap, now - last);
        last = now;
        return !(*p)->available();
      },
      8000);
  const gint64 noticed_ms = (g_get_monotonic_time() - paused) / 1000;
  std::printf("hung server noticed after %lld ms (longest main-loop gap %lld ms); status: %s\n",
              static_cast<long long>(noticed_ms), static_cast<long long>(longest_gap / 1000),
              (*p)->status().c_str());
  ASSERT_TRUE(lost) << (*p)->status();
  EXPECT_GE(noticed_ms, 1400);  // not before the stall timeout
  EXPECT_LT(longest_gap / 1000, 1000) << "the main loop was blocked";
  EXPECT_NE((*p)->status().find("no audio from PulseAudio"), std::string::npos) << (*p)->status();
  EXPECT_EQ(states, std::vector<bool>({true, false}));
  iterate(1500);  // a retry or two against the hung server: still unavailable, loop still free
  EXPECT_FALSE((*p)->available());

  server.resume();
  const gint64 resumed = g_get_monotonic_time();
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 15000)) << (*p)->status();
  std::printf("audio available %lld ms after the server woke\n",
              static_cast<long long>((g_get_monotonic_time() - resumed) / 1000));
  EXPECT_EQ(states, std::vector<bool>({true, false, true}));
  GstElement* pcm = tap(**p, kDecodeTap);
  ASSERT_NE(pcm, nullptr);
  iterate(500);
  EXPECT_EQ(dominant(pcm, {440, 1000}), 440);
  gst_object_unref(pcm);
}

TEST(AudioPipeline, SilenceStandsInWithoutServerAndGivesWayToIt) {
  PulseServer server;  // not started yet
  std::vector<bool> states;
  AudioOptions o;
  o.server = server.address();
  o.silence_when_unavailable = true;
  auto p = AudioPipeline::start(o, [&](bool up) { states.push_back(up); });
  ASSERT_TRUE(p) << p.error().message;
  // Without a server: available (a tee with Opus RTP of silence), but not desktop audio.
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 3000)) << (*p)->status();
  EXPECT_TRUE((*p)->silent());
  EXPECT_EQ((*p)->status().rfind("unavailable", 0), 0u) << (*p)->status();
  EXPECT_NE((*p)->status().find("; sending silence"), std::string::npos) << (*p)->status();
  GstElement* pcm = tap(**p, kDecodeTap);
  ASSERT_NE(pcm, nullptr);
  const auto before = (*p)->packets();
  iterate(1000);
  const auto per_second = (*p)->packets() - before;
  std::printf("silence: %llu RTP packets in 1 s; status: %s\n",
              static_cast<unsigned long long>(per_second), (*p)->status().c_str());
  EXPECT_GT(per_second, 80u);  // 10 ms Opus frames
  EXPECT_LT(per_second, 120u);
  std::vector<int16_t> window;
  ASSERT_TRUE(pullWindow(pcm, window));
  int peak = 0;
  for (int16_t v : window) peak = std::max(peak, std::abs(static_cast<int>(v)));
  EXPECT_LT(peak, 50) << "decoded silence";
  gst_object_unref(pcm);
  EXPECT_EQ(states, std::vector<bool>({true}));

  // The server appears: the silence goes (its branches detach), the desktop audio comes.
  ASSERT_TRUE(server.start());
  TonePlayer tone(server.address(), 440);
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available() && !(*p)->silent(); }, 5000))
      << (*p)->status();
  EXPECT_EQ((*p)->status(), "available");
  EXPECT_EQ(states, std::vector<bool>({true, false, true}));
  GstElement* tone_pcm = tap(**p, kDecodeTap);
  ASSERT_NE(tone_pcm, nullptr);
  iterate(500);  // the player is up
  EXPECT_EQ(dominant(tone_pcm, {440, 1000}), 440);
  gst_object_unref(tone_pcm);

  // And back to silence when it goes away.
  server.stop();
  ASSERT_TRUE(iterateUntil([&] { return (*p)->silent(); }, 5000)) << (*p)->status();
  EXPECT_EQ(states, std::vector<bool>({true, false, true, false, true}));
}

TEST(AudioPipeline, DestroyWhileConnectingIsSafe) {
  PulseServer server;
  ASSERT_TRUE(server.start());
  AudioOptions o;
  o.server = server.address();
  for (int i = 0; i < 5; ++i) {
    auto p = AudioPipeline::start(o, nullptr);
    ASSERT_TRUE(p);
  }
  iterate(500);  // the orphaned attempts finish and clean up on the main loop
}

TEST(AudioPipeline, MoreThanTwoChannelsAreMultiopus) {
  PulseServer server;
  ASSERT_TRUE(server.start());
  for (int channels : {1, 6}) {
    AudioOptions o;
    o.server = server.address();
    o.channels = channels;
    o.bitrate_bps = 256000;
    auto p = AudioPipeline::start(o, nullptr);
    ASSERT_TRUE(p);
    ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000)) << (*p)->status();
    GstElement* filter = gst_bin_get_by_name(GST_BIN((*p)->pipeline()), "audio-rtp-caps");
    GstCaps* caps = nullptr;
    g_object_get(filter, "caps", &caps, nullptr);
    gst_object_unref(filter);
    gchar* text = gst_caps_to_string(caps);
    std::printf("%d ch: %s\n", channels, text);
    EXPECT_NE(std::string(text).find(channels > 2 ? "MULTIOPUS" : "encoding-name=(string)OPUS"),
              std::string::npos);
    g_free(text);
    gst_caps_unref(caps);
    std::string offer;
    webrtc::PeerCallbacks cb;
    cb.on_offer = [&](std::string sdp) { offer = std::move(sdp); };
    auto branch = webrtc::PeerBranch::create((*p)->pipeline(), (*p)->tee(), "mc", {}, cb,
                                             webrtc::audioBranch());
    ASSERT_TRUE(branch);
    ASSERT_TRUE(iterateUntil([&] { return !offer.empty(); }, 5000));
    for (const char* key : {"a=rtpmap:111", "a=fmtp:111"}) {
      const auto at = offer.find(key);
      ASSERT_NE(at, std::string::npos) << offer;
      std::printf("%d ch offer: %s\n", channels,
                  offer.substr(at, offer.find('\r', at) - at).c_str());
    }
    EXPECT_NE(offer.find(channels > 2 ? "MULTIOPUS/48000/6" : "OPUS/48000/2"), std::string::npos);
  }
}

// The audio peer's webrtcbin: Opus with a=ptime:10, no data channel, no playout-delay.
TEST(AudioBranch, OfferIsOpusOnlyWithPtime) {
  PulseServer server;
  ASSERT_TRUE(server.start());
  AudioOptions o;
  o.server = server.address();
  auto p = AudioPipeline::start(o, nullptr);
  ASSERT_TRUE(p);
  ASSERT_TRUE(iterateUntil([&] { return (*p)->available(); }, 5000));
  std::string offer;
  std::string failure;
  webrtc::PeerCallbacks cb;
  cb.on_offer = [&](std::string sdp) { offer = std::move(sdp); };
  cb.on_failed = [&](std::string reason) { failure = std::move(reason); };
  auto branch = webrtc::PeerBranch::create((*p)->pipeline(), (*p)->tee(), "a1", {}, cb,
                                           webrtc::audioBranch());
  ASSERT_TRUE(branch) << branch.error().message;
  ASSERT_TRUE(iterateUntil([&] { return !offer.empty() || !failure.empty(); }, 5000));
  ASSERT_TRUE(failure.empty()) << failure;
  EXPECT_NE(offer.find("m=audio"), std::string::npos) << offer;
  EXPECT_EQ(offer.find("m=video"), std::string::npos);
  EXPECT_EQ(offer.find("m=application"), std::string::npos) << "no data channel on audio";
  EXPECT_NE(offer.find("a=rtpmap:111 OPUS/48000/2"), std::string::npos) << offer;
  EXPECT_NE(offer.find("a=ptime:10"), std::string::npos) << offer;
  EXPECT_EQ(offer.find("playout-delay"), std::string::npos);
  (*branch)->detach();
  iterate(100);
  EXPECT_TRUE((*p)->available());
}

}  // namespace
}  // namespace ds::audio

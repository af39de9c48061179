// Component tests (docs/security.md, "Viewers and peers"): one viewer cannot degrade the others.
// Real GStreamer: the shared video pipeline (test pattern, x264enc) with real webrtcbin branches on
// its tee. Keyframe requests are injected exactly where webrtcbin's RTCP session sends them when a
// PLI/FIR arrives (an upstream force-key-unit event from the branch's webrtcbin sink pad), at
// 200/s, and the keyframes that come out of the real encoder are counted. Figures go to the test
// output.
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include "core/tsan.hpp"
#include "media/video_pipeline.hpp"
#include "unit/gst_post_error.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

using namespace std::chrono_literals;

void iterate(int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(500);
}

// What leaves the encoder: frames, keyframes (no DELTA_UNIT flag) and bytes.
struct EncoderOutput {
  std::atomic<uint64_t> frames{0};
  std::atomic<uint64_t> keyframes{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<gint64> last_keyframe_us{0};

  void attach(GstElement* encoder) {
    GstPad* src = gst_element_get_static_pad(encoder, "src");
    core::tsanPublish(this);  // the probe runs on the encoder's thread (core/tsan.hpp)
    gst_pad_add_probe(
        src, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo* info, gpointer self) {
          const core::TsanCallbackScope scope(self);
          auto* out = static_cast<EncoderOutput*>(self);
          GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
          out->frames++;
          out->bytes += gst_buffer_get_size(b);
          if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) {
            out->keyframes++;
            out->last_keyframe_us = g_get_monotonic_time();
          }
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
    gst_object_unref(src);
  }
};

struct Figures {
  double keyframes_per_s;
  double kbit_per_s;
  double fps;
};

// The branch's webrtcbin asks for a keyframe, as its RTCP session does on a PLI/FIR.
void sendPli(PeerBranch& branch, GstElement* pipeline) {
  GstElement* webrtc =
      gst_bin_get_by_name(GST_BIN(pipeline), ("peer-" + branch.name() + "-webrtc").c_str());
  ASSERT_NE(webrtc, nullptr);
  GstPad* sink = gst_element_get_static_pad(webrtc, "sink_0");
  ASSERT_NE(sink, nullptr);
  gst_pad_push_event(sink,
                     gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  gst_object_unref(sink);
  gst_object_unref(webrtc);
}

// Runs for `ms`, sending a PLI from `spammer` every 5 ms (200/s) when it is set.
Figures measure(EncoderOutput& out, int ms, PeerBranch* spammer, GstElement* pipeline) {
  const uint64_t k0 = out.keyframes, b0 = out.bytes, f0 = out.frames;
  const gint64 start = g_get_monotonic_time();
  const gint64 end = start + ms * 1000;
  gint64 next = start;
  while (g_get_monotonic_time() < end) {
    if (spammer != nullptr && g_get_monotonic_time() >= next) {
      sendPli(*spammer, pipeline);
      next += 5000;
    }
    g_main_context_iteration(nullptr, FALSE);
    g_usleep(500);
  }
  const double s = (g_get_monotonic_time() - start) / 1e6;
  return Figures{(out.keyframes - k0) / s, (out.bytes - b0) * 8 / 1000.0 / s,
                 (out.frames - f0) / s};
}

struct Stream {
  std::unique_ptr<media::VideoPipeline> video;
  std::shared_ptr<PeerBranch> attacker, victim;
  EncoderOutput out;
  std::vector<std::string> errors;         // shared-pipeline errors (would restart everyone)
  std::vector<std::string> branch_errors;  // element names

  void start(media::KeyframeLimits limits) {
    media::VideoOptions o;
    o.display = "";  // test pattern
    o.encoder = "x264enc";
    o.params.framerate = 30;
    o.params.bitrate_kbps = 2000;
    o.keyframes = limits;
    auto p = media::VideoPipeline::start(o, [this](std::string m, bool) { errors.push_back(m); });
    ASSERT_TRUE(p) << p.error().message;
    video = std::move(*p);
    video->onBranchError(
        [this](std::string element, std::string) { branch_errors.push_back(element); });
    out.attach(video->encoder());
    BranchOptions bo;
    bo.keyframe_interval = limits.per_peer;
    auto a = PeerBranch::create(video->pipeline(), video->tee(), "1", {}, {}, bo);
    auto v = PeerBranch::create(video->pipeline(), video->tee(), "2", {}, {}, bo);
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(v) << v.error().message;
    attacker = *a;
    victim = *v;
    iterate(1500);  // x264 warms up; the first IDR
  }
  ~Stream() {
    attacker.reset();
    victim.reset();
    video.reset();
    core::tsanJoin(&out);  // the pipeline has stopped: out's probe ran for the last time
  }
};

TEST(KeyframeSpam, OneViewersPlisCannotRaiseEveryonesKeyframeRateOrBitrate) {
  constexpr int kMs = 4000;
  Figures idle{}, unlimited{}, limited{};
  {
    Stream s;
    s.start(media::KeyframeLimits{0ms, 0ms});  // no limits: what an attacker could do before
    idle = measure(s.out, kMs, nullptr, s.video->pipeline());
    unlimited = measure(s.out, kMs, s.attacker.get(), s.video->pipeline());
    EXPECT_TRUE(s.errors.empty());
  }
  double victim_wait_ms = -1;
  uint64_t attacker_passed = 0, attacker_dropped = 0, overall_passed = 0, overall_dropped = 0;
  {
    Stream s;
    s.start(media::KeyframeLimits{});  // the defaults: 500 ms per peer, 500 ms overall
    limited = measure(s.out, kMs, s.attacker.get(), s.video->pipeline());
    // A viewer's own first PLI while the attacker keeps spamming: its keyframe still comes, at
    // most one overall interval later.
    const gint64 asked = g_get_monotonic_time();
    sendPli(*s.victim, s.video->pipeline());
    gint64 seen = 0;
    const gint64 end = asked + 3'000'000;
    gint64 next = asked;
    while (g_get_monotonic_time() < end && seen == 0) {
      if (g_get_monotonic_time() >= next) {
        sendPli(*s.attacker, s.video->pipeline());
        next += 5000;
      }
      g_main_context_iteration(nullptr, FALSE);
      g_usleep(500);
      if (s.out.last_keyframe_us > asked) seen = s.out.last_keyframe_us;
    }
    EXPECT_NE(seen, 0) << "the victim's keyframe never came";
    victim_wait_ms = (seen - asked) / 1000.0;
    EXPECT_EQ(s.victim->keyframeRequestsForwarded(), 1u) << "its first PLI is passed on";
    attacker_passed = s.attacker->keyframeRequestsForwarded();
    attacker_dropped = s.attacker->keyframeRequestsDropped();
    overall_passed = s.video->keyframeRequestsForwarded();
    overall_dropped = s.video->keyframeRequestsDropped();
    EXPECT_TRUE(s.errors.empty());
  }
  std::printf(
      "encoder output over %d ms (640x360 test pattern, x264enc, 30 fps, 2000 kbit/s):\n"
      "  no PLIs:                   %5.2f keyframes/s %7.0f kbit/s %5.1f fps\n"
      "  200 PLI/s, no limits:      %5.2f keyframes/s %7.0f kbit/s %5.1f fps\n"
      "  200 PLI/s, default limits: %5.2f keyframes/s %7.0f kbit/s %5.1f fps\n"
      "  attacker PLIs passed/dropped by its branch: %llu/%llu; overall passed/dropped: %llu/%llu\n"
      "  another viewer's first PLI under the spam: keyframe after %.0f ms\n",
      kMs, idle.keyframes_per_s, idle.kbit_per_s, idle.fps, unlimited.keyframes_per_s,
      unlimited.kbit_per_s, unlimited.fps, limited.keyframes_per_s, limited.kbit_per_s, limited.fps,
      static_cast<unsigned long long>(attacker_passed),
      static_cast<unsigned long long>(attacker_dropped),
      static_cast<unsigned long long>(overall_passed),
      static_cast<unsigned long long>(overall_dropped), victim_wait_ms);
  // At most 2 forced keyframes a second (plus the one in flight when the window opened).
  EXPECT_LE(limited.keyframes_per_s, 2.0 + 1000.0 / kMs);
  EXPECT_GT(unlimited.keyframes_per_s, limited.keyframes_per_s)
      << "the injection really forces keyframes when nothing limits it";
  EXPECT_GT(attacker_dropped, 100u);
}

// An error posted inside one viewer's webrtcbin is that viewer's; a branch whose webrtcbin stops
// taking media (FLUSHING, or an error) does not stop the shared encode for the others.
TEST(BranchErrors, StayWithTheirViewer) {
  Stream s;
  s.start(media::KeyframeLimits{});
  GstElement* webrtc = gst_bin_get_by_name(GST_BIN(s.video->pipeline()), "peer-1-webrtc");
  ASSERT_NE(webrtc, nullptr);
  // An element deep inside the webrtcbin fails, as its SCTP or DTLS elements do.
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(webrtc));
  GValue item = G_VALUE_INIT;
  GstElement* inner = nullptr;
  if (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    inner = GST_ELEMENT(g_value_dup_object(&item));
    g_value_unset(&item);
  }
  gst_iterator_free(it);
  ASSERT_NE(inner, nullptr);
  ds::testing::postError(inner, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
                         "association went into error state");
  gst_object_unref(inner);
  iterate(300);
  ASSERT_EQ(s.branch_errors.size(), 1u);
  EXPECT_EQ(s.branch_errors[0], "peer-1-webrtc");
  EXPECT_TRUE(s.attacker->owns(s.branch_errors[0]));
  EXPECT_FALSE(s.victim->owns(s.branch_errors[0]));
  EXPECT_TRUE(s.errors.empty()) << s.errors[0];

  // That viewer's webrtcbin stops taking buffers (its pads flush): the encode goes on.
  gst_element_set_locked_state(webrtc, TRUE);
  gst_element_set_state(webrtc, GST_STATE_NULL);
  gst_object_unref(webrtc);
  const uint64_t before = s.video->encodedFrames();
  iterate(1500);
  const uint64_t after = s.video->encodedFrames();
  std::printf("frames encoded in 1.5 s after one branch stopped taking media: %llu\n",
              static_cast<unsigned long long>(after - before));
  EXPECT_GT(after, before + 5) << "the shared encode stopped with one branch";
  EXPECT_TRUE(s.errors.empty()) << s.errors[0];
}

}  // namespace
}  // namespace ds::webrtc

// Component tests: real GStreamer, test-pattern source (no X needed here; the X path is covered
// by the browser end-to-end tests).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>

#include "core/tsan.hpp"
#include "media/encoder_probe.hpp"
#include "media/picture_scale.hpp"
#include "media/video_pipeline.hpp"
#include "unit/gst_post_error.hpp"

namespace ds::media {
namespace {

void iterate(int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(1000);
}

TEST(EncoderProbe, SoftwareEncodersPassMissingOnesFallBack) {
  EncodeParams p;
  p.framerate = 30;
  EXPECT_TRUE(probeEncoder("x264enc", p));
  EXPECT_TRUE(probeEncoder("vp8enc", p));
  const auto st = probeEncoder("nvh264enc", p);
  if (st) GTEST_SKIP() << "this machine has NVENC; the fallback case cannot be exercised";
  auto choice = chooseEncoder("nvh264enc", p);
  ASSERT_TRUE(choice) << choice.error().message;
  EXPECT_EQ(choice->encoder, "x264enc");
  EXPECT_GE(choice->warnings.size(), 1u);
  EXPECT_NE(choice->warnings[0].find("nvh264enc"), std::string::npos);
  EXPECT_FALSE(probeEncoder("rav1enc", p));
}

TEST(VideoPipeline, EncodesFramesAndAcceptsRuntimeChanges) {
  VideoOptions o;
  o.display = "";  // test pattern
  o.params.framerate = 30;
  std::string error;
  auto p = VideoPipeline::start(o, [&](std::string m, bool) { error = std::move(m); });
  ASSERT_TRUE(p) << p.error().message;
  iterate(700);
  const auto frames = (*p)->encodedFrames();
  EXPECT_GT(frames, 5u);
  (*p)->setBitrate(2000);
  (*p)->setFramerate(15);
  (*p)->requestKeyframe();
  iterate(500);
  EXPECT_GT((*p)->encodedFrames(), frames);
  EXPECT_TRUE(error.empty()) << error;
}

// The caps `element` is fed now (null before its caps).
CapsPtr inputCaps(GstElement* element) {
  GstPtr<GstPad> sink(gst_element_get_static_pad(element, "sink"));
  return CapsPtr(gst_pad_get_current_caps(sink.get()));
}

// The frame rate the encoder is fed now ({0, 0} before its caps).
std::pair<int, int> encoderInputRate(GstElement* encoder) {
  std::pair<int, int> rate{0, 0};
  if (const CapsPtr caps = inputCaps(encoder)) {
    gst_structure_get_fraction(gst_caps_get_structure(caps.get(), 0), "framerate", &rate.first,
                               &rate.second);
  }
  return rate;
}

GstPadProbeReturn countKeyframes(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer count) {
  const core::TsanCallbackScope scope(count);
  if (!GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DELTA_UNIT)) {
    static_cast<std::atomic<int>*>(count)->fetch_add(1);
  }
  return GST_PAD_PROBE_OK;
}

// The quality ladder's frame-rate steps must not restart x264: x264enc opens a new encoder (a
// keyframe, its rate control from scratch) whenever its caps' frame rate changes. Its caps keep
// the rate the encode was built with, and the bitrate is scaled to the frames it really gets.
TEST(VideoPipeline, AFrameRateStepKeepsTheX264EncoderAndScalesItsBitrate) {
  VideoOptions o;
  o.display = "";  // test pattern
  o.encoder = "x264enc";
  o.params.framerate = 30;
  std::string error;
  auto p = VideoPipeline::start(o, [&](std::string m, bool) { error = std::move(m); });
  ASSERT_TRUE(p) << p.error().message;
  auto& video = **p;
  ASSERT_EQ(video.profile().encoder, "x264enc");
  std::atomic<int> keyframes{0};
  core::tsanPublish(&keyframes);
  GstPad* enc_src = gst_element_get_static_pad(video.encoder(), "src");
  const gulong probe =
      gst_pad_add_probe(enc_src, GST_PAD_PROBE_TYPE_BUFFER, countKeyframes, &keyframes, nullptr);
  auto bitrate = [&] {
    guint kbps = 0;
    g_object_get(video.encoder(), "bitrate", &kbps, nullptr);
    return kbps;
  };
  iterate(700);
  // A frame-rate change before any bitrate change (congestion control off, the client's fps):
  // the configured bitrate is the one scaled.
  const guint configured = bitrate();
  video.setFramerate(15);
  EXPECT_EQ(bitrate(), configured * 2);
  video.setFramerate(30);
  EXPECT_EQ(bitrate(), configured);
  video.setEncoderBitrate(1000);
  EXPECT_EQ(bitrate(), 1000u);
  EXPECT_EQ(encoderInputRate(video.encoder()), std::make_pair(30, 1));
  const int before = keyframes.load();

  video.setFramerate(15);
  iterate(400);  // the new caps reach the encoder
  const auto frames = video.encodedFrames();
  iterate(1000);
  const auto per_second = video.encodedFrames() - frames;
  EXPECT_GE(per_second, 11u) << "15 fps captured";
  EXPECT_LE(per_second, 19u) << "15 fps captured";
  EXPECT_EQ(encoderInputRate(video.encoder()), std::make_pair(30, 1)) << "the caps keep 30/1";
  EXPECT_EQ(bitrate(), 2000u) << "each of the 15 frames gets 1000 kbit/s / 15";
  video.setEncoderBitrate(600);
  EXPECT_EQ(bitrate(), 1200u);

  video.setFramerate(30);
  iterate(500);
  EXPECT_EQ(bitrate(), 600u);
  EXPECT_EQ(keyframes.load(), before) << "no keyframe from the frame-rate steps";
  gst_pad_remove_probe(enc_src, probe);
  core::tsanJoin(&keyframes);
  gst_object_unref(enc_src);
  EXPECT_TRUE(error.empty()) << error;
}

// A bus error from the encoder element is reported as the encoder's fault (the session then
// fails over to the next encoder); one from the capture is not. A failure that posts several
// errors (each element it stops posts one) is reported once.
GstElement* byName(VideoPipeline& p, const char* name) {
  return gst_bin_get_by_name(GST_BIN(p.pipeline()), name);
}

GstPadProbeReturn countBytes(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer bytes) {
  const core::TsanCallbackScope scope(bytes);
  static_cast<std::atomic<uint64_t>*>(bytes)->fetch_add(
      gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)));
  return GST_PAD_PROBE_OK;
}

// What an element's src pad carries: kbit/s over `ms`, and its keyframes so far.
class Output {
 public:
  explicit Output(GstElement* element) : pad_(gst_element_get_static_pad(element, "src")) {
    core::tsanPublish(&bytes_);
    core::tsanPublish(&keyframes_);
    bytes_probe_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, countBytes, &bytes_, nullptr);
    key_probe_ =
        gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, countKeyframes, &keyframes_, nullptr);
  }
  ~Output() {
    gst_pad_remove_probe(pad_, bytes_probe_);
    gst_pad_remove_probe(pad_, key_probe_);
    core::tsanJoin(&bytes_);
    core::tsanJoin(&keyframes_);
    gst_object_unref(pad_);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  double kbps(int ms) {
    const uint64_t before = bytes_.load();
    iterate(ms);
    return static_cast<double>(bytes_.load() - before) * 8 / ms;
  }
  int keyframes() const { return keyframes_.load(); }

 private:
  GstPad* pad_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<int> keyframes_{0};
  gulong bytes_probe_ = 0;
  gulong key_probe_ = 0;
};

// VP8 (and VP9: the same vpxenc) destroys and creates its encoder on any new caps, so the
// ladder's frame-rate steps keep its caps' rate, as for x264; but libvpx reads the frame rate
// from the timestamps, so its bitrate is never scaled for the frames it really gets, on the
// shared encode or the lower one (which scaled it 3x at 10 of 30 fps before). A zone plate in
// motion: content that uses what it is given (a ball on black would use a fraction of it).
TEST(VideoPipeline, Vp8KeepsItsEncoderAcrossFrameRateStepsAndItsBitrateAtEveryRate) {
  VideoOptions o;
  o.display = "";
  o.encoder = "vp8enc";
  o.params.framerate = 30;
  o.test_pattern = {{"pattern", "zone-plate"}, {"kx2", "20"}, {"ky2", "20"}, {"kt", "1"}};
  std::string error;
  auto p = VideoPipeline::start(o, [&](std::string m, bool) { error = std::move(m); });
  ASSERT_TRUE(p) << p.error().message;
  auto& video = **p;
  ASSERT_EQ(video.profile().encoder, "vp8enc");
  Output shared(video.encoder());
  video.setEncoderBitrate(800);
  iterate(1500);
  const double at30 = shared.kbps(2000);
  const int keyframes = shared.keyframes();
  video.setFramerate(10);
  iterate(500);
  const double at10 = shared.kbps(2000);
  std::printf("shared encode at 800 kbit/s: %.0f kbit/s at 30 fps, %.0f at 10 fps\n", at30, at10);
  EXPECT_GE(at30, 0.5 * 800);
  EXPECT_LE(at30, 1.5 * 800);
  EXPECT_GE(at10, 0.5 * 800) << "not scaled down with the frame rate";
  EXPECT_LE(at10, 1.5 * 800) << "not scaled up either (libvpx sees the rate in the timestamps)";
  EXPECT_EQ(encoderInputRate(video.encoder()), std::make_pair(30, 1)) << "the caps keep 30/1";
  EXPECT_EQ(shared.keyframes(), keyframes) << "no new encoder, so no keyframe, at the step";

  video.setFramerate(30);
  video.setLowSetting(300, 10, 100);
  ASSERT_TRUE(video.acquireLow());
  GstElement* low_encoder = byName(video, "low-video-enc");
  ASSERT_NE(low_encoder, nullptr);
  {
    Output low(low_encoder);
    iterate(1500);
    const double low_kbps = low.kbps(2000);
    std::printf("lower encode at 300 kbit/s, 10 fps: %.0f kbit/s\n", low_kbps);
    EXPECT_GE(low_kbps, 0.5 * 300);
    EXPECT_LE(low_kbps, 1.5 * 300) << "3x before: the bitrate was scaled for caps-rate frames";
  }
  gst_object_unref(low_encoder);
  video.releaseLow();
  EXPECT_TRUE(error.empty()) << error;
}

// The size the encoder is fed now ({0, 0} before its caps).
std::pair<int, int> encoderInputSize(GstElement* encoder) {
  std::pair<int, int> size{0, 0};
  if (const CapsPtr caps = inputCaps(encoder)) {
    const GstStructure* st = gst_caps_get_structure(caps.get(), 0);
    gst_structure_get_int(st, "width", &size.first);
    gst_structure_get_int(st, "height", &size.second);
  }
  return size;
}

// Congestion control's smallest rungs: the running encode switches to a smaller picture and
// back, with frames flowing throughout and no error.
TEST(VideoPipeline, EncodesASmallerPictureAndGoesBackToTheCapturedSize) {
  EXPECT_EQ(PictureScale::scaledSize(1920, 1080, 75), std::make_pair(1440, 810));
  EXPECT_EQ(PictureScale::scaledSize(1366, 768, 75), std::make_pair(1024, 576));  // even sides
  EXPECT_EQ(PictureScale::scaledSize(20, 20, 10), std::make_pair(16, 16));
  VideoOptions o;
  o.display = "";  // test pattern, 640x360
  o.params.framerate = 30;
  std::string error;
  auto p = VideoPipeline::start(o, [&](std::string m, bool) { error = std::move(m); });
  ASSERT_TRUE(p) << p.error().message;
  auto& video = **p;
  iterate(500);
  EXPECT_EQ(encoderInputSize(video.encoder()), std::make_pair(640, 360));
  video.setScale(50);
  EXPECT_EQ(video.scalePercent(), 50);
  iterate(700);
  EXPECT_EQ(encoderInputSize(video.encoder()), std::make_pair(320, 180));
  EXPECT_EQ(video.pictureSize(), std::make_pair(640, 360)) << "the capture is unchanged";
  const auto frames = video.encodedFrames();
  iterate(500);
  EXPECT_GT(video.encodedFrames(), frames + 5) << "frames flow at the new size";
  video.setScale(75);
  iterate(500);
  EXPECT_EQ(encoderInputSize(video.encoder()), std::make_pair(480, 270));
  video.setScale(100);
  iterate(500);
  EXPECT_EQ(encoderInputSize(video.encoder()), std::make_pair(640, 360));
  const auto later = video.encodedFrames();
  iterate(500);
  EXPECT_GT(video.encodedFrames(), later + 5);
  EXPECT_TRUE(error.empty()) << error;
}

// A resize while the picture is scaled: the scaled size is worked out again from the new
// captured size on the streaming thread (PictureScale's caps probe), before videoscale sees it.
TEST(PictureScale, KeepsThePercentageAcrossACapturedSizeChange) {
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc is-live=true ! capsfilter name=src-caps caps=video/x-raw,width=640,height=360"
      " ! videoscale name=scaler add-borders=false ! capsfilter name=scale-caps caps=video/x-raw"
      " ! fakesink name=sink sync=false",
      nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstElement* src_caps = gst_bin_get_by_name(GST_BIN(pipeline), "src-caps");
  GstElement* scaler = gst_bin_get_by_name(GST_BIN(pipeline), "scaler");
  GstElement* filter = gst_bin_get_by_name(GST_BIN(pipeline), "scale-caps");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  {
    PictureScale scale(scaler, filter);
    ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    iterate(300);
    EXPECT_EQ(encoderInputSize(sink), std::make_pair(640, 360));
    scale.set(50);
    iterate(400);
    EXPECT_EQ(encoderInputSize(sink), std::make_pair(320, 180));
    // The capture changes size (a resize): still 50 %, of the new size.
    GstCaps* bigger = gst_caps_from_string("video/x-raw,width=800,height=600");
    g_object_set(src_caps, "caps", bigger, nullptr);
    gst_caps_unref(bigger);
    iterate(600);
    EXPECT_EQ(encoderInputSize(sink), std::make_pair(400, 300));
    EXPECT_EQ(scale.percent(), 50);
    scale.set(100);
    iterate(400);
    EXPECT_EQ(encoderInputSize(sink), std::make_pair(800, 600));
    gst_element_set_state(pipeline, GST_STATE_NULL);
  }
  for (GstElement* e : {src_caps, scaler, filter, sink}) gst_object_unref(e);
  gst_object_unref(pipeline);
}

TEST(VideoPipeline, TellsEncoderErrorsFromOtherErrors) {
  VideoOptions o;
  o.display = "";
  o.encoder = "openh264enc";
  o.params.framerate = 30;
  if (!probeEncoder(o.encoder, o.params)) GTEST_SKIP() << "openh264enc is not installed here";
  for (const bool from_encoder : {true, false}) {
    std::vector<std::pair<std::string, bool>> errors;
    auto p = VideoPipeline::start(o, [&](std::string m, bool enc) { errors.emplace_back(m, enc); });
    ASSERT_TRUE(p) << p.error().message;
    iterate(300);
    GstElement* src = byName(**p, "capture-src");
    if (from_encoder) {
      ds::testing::postError((*p)->encoder(), GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_ENCODE,
                             "session lost");
    }
    ds::testing::postError(src, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "capture failed");
    gst_object_unref(src);
    iterate(300);
    ASSERT_EQ(errors.size(), 1u) << "one report per failed pipeline";
    EXPECT_NE(errors[0].first.find(from_encoder ? "session lost" : "capture failed"),
              std::string::npos)
        << errors[0].first;
    EXPECT_EQ(errors[0].second, from_encoder);
  }
}

// With the static-screen gate, a test pattern that does not move is encoded only as settle
// frames and heartbeats; a moving one is encoded in full.
TEST(VideoPipeline, SkipsUnchangedFrames) {
  VideoOptions o;
  o.display = "";
  o.params.framerate = 30;
  auto p = VideoPipeline::start(o, [](std::string, bool) {});
  ASSERT_TRUE(p) << p.error().message;
  iterate(1500);
  EXPECT_EQ((*p)->skippedFrames(), 0u) << "the ball moves: nothing to skip";
  GstElement* src = gst_bin_get_by_name(GST_BIN((*p)->pipeline()), "capture-src");
  g_object_set(src, "motion", 1 /* snow */, "pattern", 2 /* black */, nullptr);
  gst_object_unref(src);
  iterate(2500);
  const auto encoded = (*p)->encodedFrames();
  const auto skipped = (*p)->skippedFrames();
  iterate(2000);
  const auto encoded_2s = (*p)->encodedFrames() - encoded;
  const auto skipped_2s = (*p)->skippedFrames() - skipped;
  EXPECT_LE(encoded_2s, 12u) << "black: heartbeats only (4 a second)";
  EXPECT_GE(skipped_2s, 40u) << "about 60 captured frames in 2 s, most skipped";
}

// Codec per viewer: a second codec's encode is built on the raw tee when a viewer needs it, shared
// by its viewers, runtime changes reach it, and it is removed with its last viewer; the primary
// encode keeps running throughout.
uint64_t countBuffers(GstElement* tee, std::atomic<uint64_t>* n) {
  GstPad* sink = gst_element_get_static_pad(tee, "sink");
  core::tsanPublish(n);  // counted on the tee's thread (core/tsan.hpp)
  gst_pad_add_probe(
      sink, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer c) {
        const core::TsanCallbackScope scope(c);
        static_cast<std::atomic<uint64_t>*>(c)->fetch_add(1);
        return GST_PAD_PROBE_OK;
      },
      n, nullptr);
  gst_object_unref(sink);
  return n->load();
}

TEST(VideoPipeline, SecondCodecEncodeStartsOnDemandAndStopsWithItsLastViewer) {
  VideoOptions o;
  o.display = "";
  o.params.framerate = 30;
  o.extra_encoders = {"vp8enc", "x264enc" /* same codec as the primary: left out */, "vp9enc"};
  std::string error;
  auto p = VideoPipeline::start(o, [&](std::string m, bool) { error = std::move(m); });
  ASSERT_TRUE(p) << p.error().message;
  auto& video = **p;
  ASSERT_EQ(video.offerCodecs().size(), 3u);
  EXPECT_EQ(video.offerCodecs()[0].codec, "H264");
  EXPECT_EQ(video.offerCodecs()[1].codec, "VP8");
  EXPECT_EQ(video.offerCodecs()[2].codec, "VP9");
  EXPECT_EQ(video.encodeCount(), 1u);

  auto h264 = video.acquire("H264");
  ASSERT_TRUE(h264) << h264.error().message;
  EXPECT_EQ(*h264, video.tee());
  EXPECT_EQ(video.encodeCount(), 1u) << "the primary's codec needs no second encode";

  auto vp8 = video.acquire("VP8");
  ASSERT_TRUE(vp8) << vp8.error().message;
  EXPECT_NE(*vp8, video.tee());
  EXPECT_EQ(video.encodeCount(), 2u);
  auto vp8_again = video.acquire("VP8");
  ASSERT_TRUE(vp8_again);
  EXPECT_EQ(*vp8_again, *vp8) << "viewers of one codec share its encode";
  EXPECT_FALSE(video.acquire("AV1")) << "not offered, not built";

  std::atomic<uint64_t> vp8_packets{0};
  countBuffers(*vp8, &vp8_packets);
  const auto h264_frames = video.encodedFrames();
  iterate(1500);
  EXPECT_GT(vp8_packets.load(), 10u) << "VP8 RTP packets out of the second encode";
  EXPECT_GT(video.encodedFrames(), h264_frames + 10) << "the primary goes on";

  video.setBitrate(1500);
  GstElement* vp8enc = gst_bin_get_by_name(GST_BIN(video.pipeline()), "vp8-video-enc");
  ASSERT_NE(vp8enc, nullptr);
  gint target = 0;
  g_object_get(vp8enc, "target-bitrate", &target, nullptr);
  EXPECT_EQ(target, 1500 * 1000);
  gst_object_unref(vp8enc);
  video.setFramerate(15);
  video.requestKeyframe("VP8");

  video.release("VP8");
  EXPECT_EQ(video.encodeCount(), 2u) << "one VP8 viewer left";
  video.release("VP8");
  EXPECT_EQ(video.encodeCount(), 1u) << "removed with its last viewer";
  EXPECT_EQ(gst_bin_get_by_name(GST_BIN(video.pipeline()), "vp8-video-enc"), nullptr);
  video.release("H264");

  // Again: a new VP8 encode in the same running pipeline.
  auto vp8_new = video.acquire("VP8");
  ASSERT_TRUE(vp8_new) << vp8_new.error().message;
  std::atomic<uint64_t> again{0};
  countBuffers(*vp8_new, &again);
  iterate(1000);
  EXPECT_GT(again.load(), 3u);
  video.release("VP8");
  const auto frames = video.encodedFrames();
  iterate(500);
  EXPECT_GT(video.encodedFrames(), frames);
  EXPECT_TRUE(error.empty()) << error;
}

}  // namespace
}  // namespace ds::media

// Component tests: real GStreamer, test-pattern source (no X needed here; the X path is covered
// by the browser end-to-end tests).
#include <gst/gst.h>
#include <gtest/gtest.h>

#include "media/encoder_probe.hpp"
#include "media/video_pipeline.hpp"

namespace ds::media {
namespace {

class Gst : public ::testing::Environment {
 public:
  void SetUp() override { gst_init(nullptr, nullptr); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new Gst);

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
  auto p = VideoPipeline::start(o, [&](std::string m) { error = std::move(m); });
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

}  // namespace
}  // namespace ds::media

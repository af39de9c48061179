// Component test (docs/encoders.md, "Codecs per viewer"): a viewer's branch on the real pipeline
// offers every codec and, fed the real answers of Chromium and Firefox ESR captured in
// tests/unit/sdp/data, is linked to the encode of the codec the answer chose (a second encode for
// Firefox's VP8, removed with the branch); an answer that declines the video is refused with a
// clear reason.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "media/video_pipeline.hpp"
#include "webrtc/peer_branch.hpp"

namespace ds::webrtc {
namespace {

void iterate(int ms) {
  const gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(500);
}

std::string answer(const std::string& name) {
  std::ifstream in(std::string(DS_SDP_DATA) + "/" + name + ".answer.sdp");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Session {
  std::unique_ptr<media::VideoPipeline> video;
  std::string offer, refused, failed;

  Session() {
    media::VideoOptions o;
    o.display = "";  // test pattern
    o.params.framerate = 30;
    o.extra_encoders = {"vp8enc", "vp9enc"};
    auto p = media::VideoPipeline::start(o, [](std::string, bool) {});
    EXPECT_TRUE(p) << p.error().message;
    if (p) video = std::move(*p);
  }

  std::shared_ptr<PeerBranch> branch(const std::string& name) {
    PeerCallbacks cb;
    cb.on_offer = [this](std::string sdp) { offer = std::move(sdp); };
    cb.on_failed = [this](std::string why) { failed = std::move(why); };
    cb.on_answer_refused = [this](std::string why) { refused = std::move(why); };
    cb.acquire_tee = [this](const std::string& codec) { return video->acquire(codec); };
    cb.release_tee = [this](const std::string& codec) { video->release(codec); };
    BranchOptions bo;
    bo.codecs = video->offerCodecs();
    auto b = PeerBranch::create(video->pipeline(), video->tee(), name, {}, std::move(cb), bo);
    EXPECT_TRUE(b) << b.error().message;
    for (int i = 0; i < 100 && offer.empty(); ++i) iterate(20);
    EXPECT_NE(offer.find("H264/90000"), std::string::npos) << offer;
    EXPECT_NE(offer.find("VP8/90000"), std::string::npos) << offer;
    return b ? *b : nullptr;
  }
};

TEST(CodecNegotiation, ChromiumGetsTheH264EncodeFirefoxASecondVp8Encode) {
  Session s;
  ASSERT_TRUE(s.video);
  auto chromium = s.branch("1");
  ASSERT_TRUE(chromium);
  ASSERT_TRUE(chromium->setAnswer(answer("chromium_default")));
  iterate(300);
  EXPECT_EQ(chromium->codec(), "H264");
  EXPECT_EQ(s.video->encodeCount(), 1u);
  EXPECT_EQ(s.refused, "");

  s.offer.clear();
  auto firefox = s.branch("2");
  ASSERT_TRUE(firefox);
  ASSERT_TRUE(firefox->setAnswer(answer("firefox_default")));
  iterate(500);
  EXPECT_EQ(firefox->codec(), "VP8");
  EXPECT_EQ(s.video->encodeCount(), 2u) << "a VP8 encode for Firefox";
  EXPECT_EQ(s.refused, "");
  EXPECT_EQ(s.failed, "");

  firefox.reset();  // the viewer leaves: its encode goes
  EXPECT_EQ(s.video->encodeCount(), 1u);
  chromium.reset();
  EXPECT_EQ(s.video->encodeCount(), 1u) << "the primary encode stays";
}

TEST(CodecNegotiation, AnAnswerDecliningTheVideoIsRefusedWithTheReason) {
  Session s;
  ASSERT_TRUE(s.video);
  auto b = s.branch("1");
  ASSERT_TRUE(b);
  // Firefox's answer to an H.264-only offer: m=video 0.
  auto st = b->setAnswer(answer("firefox_h264only"));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("no common video codec"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("H264, VP8, VP9"), std::string::npos);
  EXPECT_EQ(b->codec(), "");
  EXPECT_EQ(s.video->encodeCount(), 1u);
}

}  // namespace
}  // namespace ds::webrtc

#include "media/encoder_profile.hpp"

#include <gtest/gtest.h>

namespace ds::media {
namespace {

// The profile of a name the table knows (a failed lookup fails the test).
EncoderProfile profile(const std::string& name, const EncodeParams& p = {}) {
  auto r = profileFor(name, p);
  EXPECT_TRUE(r) << name << ": " << (r ? "" : r.error().message);
  return r ? *r : EncoderProfile{};
}

std::string prop(const ElementSpec& e, const std::string& key) {
  for (const auto& [k, v] : e.properties) {
    if (k == key) return v;
  }
  return "<unset>";
}

TEST(Profiles, DerivedValuesMatchReference) {
  EncodeParams p;                      // defaults: 60 fps, 8000 kbps, infinite GOP
  EXPECT_EQ(softwareVbvMs(p), 25);     // ceil(1000/60)=17 * 1.5
  EXPECT_EQ(hardwareVbvKbit(p), 201);  // ceil(8000/60)=134 * 1.5
  p.packetloss_percent = 25;
  EXPECT_EQ(fecAdjustedKbps(p), 6400);
  p = {};
  p.keyframe_distance_s = 2;
  EXPECT_EQ(softwareVbvMs(p), 51);  // periodic keyframes: x3
  EXPECT_EQ(softwareThreads(2), 1);
  EXPECT_EQ(softwareThreads(16), 4);
  EXPECT_EQ(softwareThreads(1), 1);
}

TEST(Profiles, X264LowLatencySettings) {
  EncodeParams p;
  p.framerate = 30;
  p.bitrate_kbps = 4000;
  const auto e = profile("x264enc", p);
  EXPECT_EQ(e.payload_type, 97);
  EXPECT_EQ(prop(e.encoder_element, "speed-preset"), "ultrafast");
  EXPECT_EQ(prop(e.encoder_element, "tune"), "zerolatency");
  EXPECT_EQ(prop(e.encoder_element, "bframes"), "0");
  EXPECT_EQ(prop(e.encoder_element, "rc-lookahead"), "0");
  EXPECT_EQ(prop(e.encoder_element, "key-int-max"), "2147483647");
  EXPECT_EQ(prop(e.encoder_element, "vbv-buf-capacity"), "51");
  EXPECT_EQ(prop(e.encoder_element, "bitrate"), "4000");
  EXPECT_EQ(prop(e.encoder_element, "sliced-threads"), "true");
  EXPECT_EQ(prop(e.payloader, "config-interval"), "-1");
  EXPECT_NE(e.rtp_caps.find("rtcp-fb-nack-pli"), std::string::npos);
}

TEST(Profiles, SoftwareEncodersConvertWithLibyuv) {
  EncodeParams p;
  for (const char* enc : {"x264enc", "openh264enc", "vp8enc", "vp9enc"}) {
    const auto e = profile(enc, p);
    ASSERT_EQ(e.pre.size(), 2u) << enc;
    EXPECT_EQ(e.pre[1].factory, "dsyuvconvert") << enc;
  }
}

TEST(Profiles, NaiveBaselineIsPlainX264) {
  EncodeParams p;
  p.bitrate_kbps = 8000;
  const auto e = naiveBaselineProfile(p);
  EXPECT_EQ(e.encoder_element.factory, "x264enc");
  EXPECT_EQ(e.encoder_element.properties,
            (Properties{{"tune", "zerolatency"}, {"bitrate", "8000"}}));
  EXPECT_EQ(e.pre[0].factory, "videoconvert");
  EXPECT_EQ(e.payload_type, 97);
}

TEST(Profiles, PayloadTypesAndUnits) {
  EncodeParams p;
  EXPECT_EQ(profile("vp8enc", p).payload_type, 96);
  EXPECT_EQ(profile("vp9enc", p).payload_type, 98);
  EXPECT_EQ(profile("nvh265enc", p).payload_type, 100);
  EXPECT_EQ(prop(profile("vp8enc", p).encoder_element, "target-bitrate"), "8000000");
  EXPECT_EQ(prop(profile("nvh264enc", p).encoder_element, "gop-size"), "-1");
  EXPECT_EQ(profile("nvh264enc", p).encoder_element.factory, "nvcudah264enc");
  p.gpu_id = 1;
  EXPECT_EQ(profile("nvh264enc", p).encoder_element.factory, "nvcudah264device1enc");
}

// Which encoders keep their caps' frame rate across the ladder's steps (Encode), and whether
// their bitrate is then scaled (rate control by the caps' rate) or not (by the timestamps).
TEST(Profiles, FrameRateStepsKeepTheEncoder) {
  for (const char* name : {"x264enc", "nvh264enc", "nvh265enc"}) {
    EXPECT_TRUE(profile(name).fixed_caps_rate) << name;
    EXPECT_FALSE(profile(name).rate_from_timestamps) << name;
  }
  for (const char* name : {"vp8enc", "vp9enc"}) {
    EXPECT_TRUE(profile(name).fixed_caps_rate) << name;
    EXPECT_TRUE(profile(name).rate_from_timestamps) << name;
  }
}

TEST(Profiles, FallbackChain) {
  EXPECT_EQ(fallbackChain("nvh264enc"),
            (std::vector<std::string>{"nvh264enc", "vah264enc", "x264enc"}));
  EXPECT_EQ(fallbackChain("x264enc"), (std::vector<std::string>{"x264enc"}));
  EXPECT_EQ(fallbackChain("vp8enc"), (std::vector<std::string>{"vp8enc", "x264enc"}));
  EXPECT_EQ(fallbackChain("vaav1enc"),
            (std::vector<std::string>{"vaav1enc", "vah264enc", "x264enc"}));
  EXPECT_EQ(fallbackChain("x265enc"), (std::vector<std::string>{"x265enc", "x264enc"}));
  EXPECT_TRUE(hasProfile("vp9enc"));
  EXPECT_FALSE(hasProfile("vaapih264enc"));  // not a Selkies 1.6 name
}

// Every SELKIES_ENCODER name of Selkies 1.6 has a profile of its own.
TEST(Profiles, EverySelkiesEncoderHasItsOwnProfile) {
  EncodeParams p;
  ASSERT_EQ(selkiesEncoders().size(), 15u);
  for (const auto& name : selkiesEncoders()) {
    const auto e = profile(name, p);
    EXPECT_EQ(e.encoder, name);
    EXPECT_FALSE(e.encoder_element.factory.empty()) << name;
    EXPECT_FALSE(e.payloader.factory.empty()) << name;
    EXPECT_NE(e.rtp_caps.find("encoding-name=" + e.codec), std::string::npos) << name;
    EXPECT_NE(e.rtp_caps.find("payload=" + std::to_string(e.payload_type)), std::string::npos);
  }
  EXPECT_EQ(profile("x265enc", p).codec, "H265");
  EXPECT_EQ(profile("x265enc", p).payload_type, 100);
  EXPECT_EQ(profile("x265enc", p).payloader.factory, "rtph265pay");
  EXPECT_EQ(prop(profile("x265enc", p).encoder_element, "bitrate"), "8000");
  EXPECT_EQ(prop(profile("x265enc", p).encoder_element, "tune"), "zerolatency");
  for (const char* av1 : {"nvav1enc", "vaav1enc", "svtav1enc", "av1enc", "rav1enc"}) {
    EXPECT_EQ(profile(av1, p).codec, "AV1") << av1;
    EXPECT_EQ(profile(av1, p).payloader.factory, "rtpav1pay") << av1;
  }
  EXPECT_EQ(prop(profile("rav1enc", p).encoder_element, "bitrate"), "8000000");
  EXPECT_EQ(profile("vavp9enc", p).payload_type, 98);
  EXPECT_EQ(profile("nvh265enc", p).encoder_element.factory, "nvcudah265enc");
  EXPECT_EQ(profile("nvav1enc", p).encoder_element.factory, "nvcudaav1enc");
}

TEST(Profiles, VaEncodersFollowSelkiesGpuId) {
  EncodeParams p;
  auto e = profile("vah265enc", p);
  EXPECT_EQ(e.pre.at(0).factory, "vapostproc");
  EXPECT_EQ(e.encoder_element.factory, "vah265enc");
  EXPECT_EQ(e.encoder_element.alternatives, (std::vector<std::string>{"vah265lpenc"}));
  p.gpu_id = 1;  // /dev/dri/renderD129
  e = profile("vah265enc", p);
  EXPECT_EQ(e.pre.at(0).factory, "varenderD129postproc");
  EXPECT_EQ(e.encoder_element.factory, "varenderD129h265enc");
  EXPECT_EQ(e.encoder_element.alternatives, (std::vector<std::string>{"varenderD129h265lpenc"}));
  p.gpu_id = 3;
  EXPECT_EQ(profile("vah264enc", p).encoder_element.factory, "varenderD131h264enc");
  EXPECT_EQ(profile("vavp9enc", p).encoder_element.factory, "varenderD131vp9enc");
  p.gpu_id = -1;  // SELKIES_GPU_ID negative: the default device
  EXPECT_EQ(profile("vaav1enc", p).encoder_element.factory, "vaav1enc");
  EXPECT_EQ(prop(profile("nvh264enc", p).pre.at(0), "cuda-device-id"), "-1");
  EXPECT_EQ(profile("nvh264enc", p).encoder_element.factory, "nvcudah264enc");
}

// Selkies: GOP = max(60, int(fps x distance)) for any distance but -1.
TEST(Profiles, FractionalKeyframeDistance) {
  EncodeParams p;
  p.framerate = 60;
  p.keyframe_distance_s = 2.5;
  EXPECT_EQ(prop(profile("x264enc", p).encoder_element, "key-int-max"), "150");
  p.keyframe_distance_s = 0.5;
  EXPECT_EQ(prop(profile("x264enc", p).encoder_element, "key-int-max"), "60");
  p.keyframe_distance_s = 0;
  EXPECT_EQ(prop(profile("vp8enc", p).encoder_element, "keyframe-max-dist"), "60");
  EXPECT_EQ(softwareVbvMs(p), 51);  // periodic keyframes: x3
  p.keyframe_distance_s = 1e12;
  EXPECT_EQ(prop(profile("x264enc", p).encoder_element, "key-int-max"), "2147483647");
  p.keyframe_distance_s = -1;
  EXPECT_EQ(prop(profile("x264enc", p).encoder_element, "key-int-max"), "2147483647");
  EXPECT_EQ(prop(profile("vah264enc", p).encoder_element, "key-int-max"), "1024");
  p.packetloss_percent = 2.5;
  EXPECT_EQ(fecAdjustedKbps(p), 7804);  // int(8000 / 1.025)
}

}  // namespace
}  // namespace ds::media

// Every value Selkies 1.6.2 accepts is accepted with Selkies' meaning; probable
// mistakes are warned, only values that cannot work fail. Each rule against __main__.py's reading
// (Python int(), float(), `.lower() == "true"`).
#include "config/selkies_values.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ds::config::selkies {
namespace {

TEST(SelkiesValues, PythonIntSyntax) {
  EXPECT_EQ(pythonInt("60"), 60);
  EXPECT_EQ(pythonInt(" 60\n"), 60);  // int() strips whitespace
  EXPECT_EQ(pythonInt("+60"), 60);
  EXPECT_EQ(pythonInt("-1"), -1);
  EXPECT_EQ(pythonInt("0060"), 60);
  EXPECT_EQ(pythonInt("8_000"), 8000);
  for (const char* bad : {"", " ", "60.0", "6e1", "0x3c", "60fps", "8__000", "_8000", "8000_", "+",
                          "- 1", "1 2", "99999999999999999999"}) {
    EXPECT_FALSE(pythonInt(bad).has_value()) << bad;
  }
}

TEST(SelkiesValues, PythonFloatSyntax) {
  EXPECT_EQ(pythonFloat("2"), 2.0);
  EXPECT_EQ(pythonFloat(" 0.5 "), 0.5);
  EXPECT_EQ(pythonFloat(".5"), 0.5);
  EXPECT_EQ(pythonFloat("5."), 5.0);
  EXPECT_EQ(pythonFloat("-1.0"), -1.0);
  EXPECT_EQ(pythonFloat("1e1"), 10.0);
  EXPECT_EQ(pythonFloat("2.5E-1"), 0.25);
  EXPECT_EQ(pythonFloat("1_0.5"), 10.5);
  EXPECT_EQ(pythonFloat("1e400"), INFINITY);
  EXPECT_EQ(pythonFloat("1e-400"), 0.0);
  EXPECT_EQ(pythonFloat("-Infinity"), -INFINITY);
  EXPECT_EQ(pythonFloat("inf"), INFINITY);
  EXPECT_TRUE(std::isnan(*pythonFloat("NaN")));
  for (const char* bad : {"", ".", "e1", "1e", "0x10", "1,5", "2s", "1..2", "in f", "--1"}) {
    EXPECT_FALSE(pythonFloat(bad).has_value()) << bad;
  }
}

TEST(SelkiesValues, BooleansAreTrueOnlyForTrue) {
  EXPECT_TRUE(readBool("true").value);
  EXPECT_TRUE(readBool("TRUE").value);
  EXPECT_TRUE(readBool("True").warning.empty());
  EXPECT_FALSE(readBool("false").value);
  EXPECT_TRUE(readBool("False").warning.empty());
  // Selkies reads these as false: so does deskstream, with a warning.
  for (const char* other : {"1", "yes", "on", "", " true", "true ", "enabled"}) {
    const auto r = readBool(other);
    EXPECT_FALSE(r.value) << other;
    EXPECT_NE(r.warning.find("read as false"), std::string::npos) << other;
  }
}

TEST(SelkiesValues, ClipboardAndTurnProtocolFallBackLikeSelkies) {
  EXPECT_EQ(readClipboard("IN").value, ClipboardMode::kIn);
  EXPECT_EQ(readClipboard("out").value, ClipboardMode::kOut);
  EXPECT_EQ(readClipboard("True").value, ClipboardMode::kBoth);
  EXPECT_TRUE(readClipboard("false").warning.empty());
  const auto both = readClipboard("both");
  EXPECT_EQ(both.value, ClipboardMode::kOff);
  EXPECT_FALSE(both.warning.empty());
  EXPECT_EQ(readTurnProtocol("TCP").value, "tcp");
  EXPECT_TRUE(readTurnProtocol("TCP").warning.empty());
  EXPECT_EQ(readTurnProtocol("udp").value, "udp");
  const auto tls = readTurnProtocol("tls");
  EXPECT_EQ(tls.value, "udp");
  EXPECT_NE(tls.warning.find("read as udp"), std::string::npos);
}

TEST(SelkiesValues, KeyframeDistanceIsAFloat) {
  EXPECT_EQ(readKeyframeDistance("-1")->value, -1.0);
  EXPECT_TRUE(readKeyframeDistance("-1.0")->warning.empty());
  EXPECT_EQ(readKeyframeDistance("0.5")->value, 0.5);
  EXPECT_TRUE(readKeyframeDistance("0.5")->warning.empty());
  EXPECT_EQ(readKeyframeDistance("2.5")->value, 2.5);
  EXPECT_EQ(readKeyframeDistance("7200")->value, 7200.0);  // no upper limit in Selkies
  for (const char* odd : {"0", "-5", "-0.5"}) {
    const auto r = readKeyframeDistance(odd);
    ASSERT_TRUE(r) << odd;
    EXPECT_NE(r->warning.find("every 60 frames"), std::string::npos) << odd;
  }
  EXPECT_FALSE(readKeyframeDistance("inf"));
  EXPECT_FALSE(readKeyframeDistance("nan"));
  EXPECT_FALSE(readKeyframeDistance("2s"));
  EXPECT_FALSE(readKeyframeDistance(""));
}

TEST(SelkiesValues, LossPercentages) {
  EXPECT_EQ(readLossPercent("2.5")->value, 2.5);
  EXPECT_EQ(readLossPercent("0")->value, 0.0);
  EXPECT_EQ(readLossPercent("100")->value, 100.0);
  const auto negative = readLossPercent("-3");
  ASSERT_TRUE(negative);
  EXPECT_EQ(negative->value, 0.0);
  EXPECT_FALSE(negative->warning.empty());
  EXPECT_FALSE(readLossPercent("101"));
  EXPECT_FALSE(readLossPercent("nan"));
  EXPECT_FALSE(readLossPercent("5%"));
}

TEST(SelkiesValues, FramerateAndVideoBitrate) {
  EXPECT_EQ(readFramerate(" 30 ")->value, 30);
  EXPECT_TRUE(readFramerate("240")->warning.empty());
  EXPECT_EQ(readFramerate("300")->value, 300);
  EXPECT_FALSE(readFramerate("300")->warning.empty());
  EXPECT_FALSE(readFramerate("0"));
  EXPECT_FALSE(readFramerate("-30"));
  EXPECT_FALSE(readFramerate("29.97"));  // int() fails on it in Selkies too
  EXPECT_EQ(readVideoBitrate("8_000")->value, 8000);
  EXPECT_EQ(readVideoBitrate("50")->value, 50);
  EXPECT_NE(readVideoBitrate("50")->warning.find("kbit/s"), std::string::npos);
  EXPECT_EQ(readVideoBitrate("2048000")->value, 2048000);
  EXPECT_FALSE(readVideoBitrate("0"));
  const auto bps = readVideoBitrate("8000000");
  ASSERT_FALSE(bps);
  EXPECT_NE(bps.error().message.find("bit/s"), std::string::npos);
}

TEST(SelkiesValues, AudioBitrateOutsideOpusRangeKeepsOpusDefault) {
  EXPECT_EQ(readAudioBitrate("96000")->value, 96000);
  EXPECT_TRUE(readAudioBitrate("96000")->warning.empty());
  for (const char* odd : {"128", "0", "-5", "1000000"}) {
    const auto r = readAudioBitrate(odd);
    ASSERT_TRUE(r) << odd;
    EXPECT_EQ(r->value, 128000) << odd;
    EXPECT_NE(r->warning.find("128000"), std::string::npos) << odd;
  }
  EXPECT_FALSE(readAudioBitrate("128k"));
}

TEST(SelkiesValues, ListenAddress) {
  EXPECT_EQ(readListenAddress("")->value, "0.0.0.0");  // asyncio: every interface
  EXPECT_EQ(readListenAddress("LocalHost")->value, "127.0.0.1");
  EXPECT_EQ(readListenAddress("10.1.2.3")->value, "10.1.2.3");
  EXPECT_EQ(readListenAddress("::1")->value, "::1");
  EXPECT_FALSE(readListenAddress("desk.example"));
  EXPECT_FALSE(readListenAddress("10.1.2.3 "));
}

TEST(SelkiesValues, GpuIdCursorSizeAndPorts) {
  EXPECT_EQ(readGpuId("1")->value, 1);
  EXPECT_EQ(readGpuId("-1")->value, -1);
  EXPECT_FALSE(readGpuId("-3")->warning.empty());
  EXPECT_FALSE(readGpuId("gpu0"));
  EXPECT_EQ(readCursorSize("-1")->value, -1);
  EXPECT_EQ(readCursorSize("32")->value, 32);
  for (const char* odd : {"0", "-2", "600"}) {
    const auto r = readCursorSize(odd);
    ASSERT_TRUE(r) << odd;
    EXPECT_EQ(r->value, -1) << odd;
    EXPECT_NE(r->warning.find("native size"), std::string::npos) << odd;
  }
  EXPECT_EQ(readPort("3478")->value, 3478);
  EXPECT_FALSE(readPort(""));
  EXPECT_FALSE(readPort("0"));
  EXPECT_FALSE(readPort("65536"));
  EXPECT_FALSE(readPort("http"));
  const auto off = readPort("", true, "no TURN server");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->value, 0);
  EXPECT_NE(off->warning.find("no TURN server"), std::string::npos);
}

}  // namespace
}  // namespace ds::config::selkies

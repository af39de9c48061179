// `_stats_video` / `_stats_audio`: Selkies' flattening of the getStats() list, Python's value
// printing, and the limits on what a client can make us parse; plus the `system_stats` and
// `gpu_stats` JSON the page reads.
#include "input/client_stats.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "input/protocol.hpp"

namespace ds::input {
namespace {

TEST(ClientStats, FlattenedAsSelkiesDoes) {
  // Two inbound-rtp reports (video, audio) and one codec: the second report of a type is named
  // by type and id; fields keep the order they came in.
  const auto stats = parseClientStats(true, R"([
    {"id":"IT01V","type":"inbound-rtp","kind":"video","framesPerSecond":30,"jitter":0.004,
     "bytesReceived":123456,"keyFramesDecoded":2,"powerEfficientDecoder":false},
    {"id":"IT01A","type":"inbound-rtp","kind":"audio","audioLevel":1e-05,"nothing":null},
    {"id":"COT01","type":"codec","mimeType":"video/H264","sdpFmtpLine":"a=1;b=2"}])");
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_TRUE(stats->audio);
  const std::vector<StatsField> want{{"inbound-rtp.id", "IT01V"},
                                     {"inbound-rtp.type", "inbound-rtp"},
                                     {"inbound-rtp.kind", "video"},
                                     {"inbound-rtp.framesPerSecond", "30"},
                                     {"inbound-rtp.jitter", "0.004"},
                                     {"inbound-rtp.bytesReceived", "123456"},
                                     {"inbound-rtp.keyFramesDecoded", "2"},
                                     {"inbound-rtp.powerEfficientDecoder", "False"},
                                     {"inbound-rtp-IT01A.id", "IT01A"},
                                     {"inbound-rtp-IT01A.type", "inbound-rtp"},
                                     {"inbound-rtp-IT01A.kind", "audio"},
                                     {"inbound-rtp-IT01A.audioLevel", "1e-05"},
                                     {"inbound-rtp-IT01A.nothing", "None"},
                                     {"codec.id", "COT01"},
                                     {"codec.type", "codec"},
                                     {"codec.mimeType", "video/H264"},
                                     {"codec.sdpFmtpLine", "a=1;b=2"}};
  EXPECT_EQ(stats->fields, want);
}

TEST(ClientStats, NestedValuesPrintAsPythonReprs) {
  const auto stats = parseClientStats(false, R"([{"type":"t","o":{"a":"x","b":[1,true]}}])");
  ASSERT_TRUE(stats) << stats.error().message;
  ASSERT_EQ(stats->fields.size(), 2u);
  EXPECT_EQ(stats->fields[1].value, "{'a': 'x', 'b': [1, True]}");
}

TEST(ClientStats, PythonFloatRepr) {
  EXPECT_EQ(pythonFloat(0.0), "0.0");
  EXPECT_EQ(pythonFloat(1.0), "1.0");
  EXPECT_EQ(pythonFloat(1000.0), "1000.0");
  EXPECT_EQ(pythonFloat(29.97), "29.97");
  EXPECT_EQ(pythonFloat(-0.5), "-0.5");
  EXPECT_EQ(pythonFloat(0.0001), "0.0001");
  EXPECT_EQ(pythonFloat(0.00001), "1e-05");
  EXPECT_EQ(pythonFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(pythonFloat(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(pythonFloat(1e16), "1e+16");
  EXPECT_EQ(pythonFloat(1.7e308), "1.7e+308");
  EXPECT_EQ(pythonFloat(0.1 + 0.2), "0.30000000000000004");
  // JSON "1e3" is a float in Python too.
  const auto stats = parseClientStats(false, R"([{"type":"t","v":1e3,"w":2.50}])");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->fields[1].value, "1000.0");
  EXPECT_EQ(stats->fields[2].value, "2.5");
}

TEST(ClientStats, RejectsWhatIsNotAReportList) {
  for (const char* bad : {"", "{}", "[1]", "[[]]", R"([{"id":"x"}])", R"([{"type":3}])",
                          "[{\"type\":\"t\"}", "not json", "[{\"type\":\"t\"}] x"}) {
    EXPECT_FALSE(parseClientStats(false, bad)) << bad;
  }
  EXPECT_TRUE(parseClientStats(false, "[]"));
}

TEST(ClientStats, Limits) {
  // Depth: list > report > value > one nested container; one more level is refused.
  EXPECT_TRUE(parseClientStats(false, R"([{"type":"t","v":{"a":[1]}}])"));
  auto deep = parseClientStats(false, R"([{"type":"t","v":{"a":[[1]]}}])");
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message, "statistics nested too deeply");
  // A million nested arrays: refused without building them (and without a deep recursion).
  std::string bomb(kMaxClientStatsBytes - 2, '[');
  EXPECT_FALSE(parseClientStats(false, bomb));
  // Size.
  std::string big = R"([{"type":"t","v":")" + std::string(kMaxClientStatsBytes, 'x') + R"("}])";
  auto too_big = parseClientStats(false, big);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().message, "statistics over 256 KiB");
  // Fields over all reports.
  std::string many = "[";
  for (size_t i = 0; i <= kMaxClientStatsFields / 2; ++i) {
    many += (i ? "," : "") + std::string(R"({"type":"t","id":")") + std::to_string(i) + "\"}";
  }
  many += "]";
  ASSERT_LT(many.size(), kMaxClientStatsBytes);
  auto too_many = parseClientStats(false, many);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().message, "too many statistics fields");
}

TEST(ServerStatsMessages, SystemAndGpuStatsAsSelkiesSendsThem) {
  const auto sys = nlohmann::json::parse(systemStatsMessage(12.345, 8'000'000'000, 1'234'567'890));
  EXPECT_EQ(sys["type"], "system_stats");
  EXPECT_DOUBLE_EQ(sys["data"]["cpu_percent"].get<double>(), 12.3);
  EXPECT_EQ(sys["data"]["mem_total"].get<uint64_t>(), 8'000'000'000u);
  EXPECT_EQ(sys["data"]["mem_used"].get<uint64_t>(), 1'234'567'890u);
  const auto gpu = nlohmann::json::parse(gpuStatsMessage(0.42, 24576.0, 1024.5));
  EXPECT_EQ(gpu["type"], "gpu_stats");
  EXPECT_DOUBLE_EQ(gpu["data"]["load"].get<double>(), 0.42);
  EXPECT_DOUBLE_EQ(gpu["data"]["memory_total"].get<double>(), 24576.0);
  EXPECT_DOUBLE_EQ(gpu["data"]["memory_used"].get<double>(), 1024.5);
  EXPECT_EQ(pipelineMessage("Video bitrate set to: 2000"),
            R"({"data":{"status":"Video bitrate set to: 2000"},"type":"pipeline"})");
}

}  // namespace
}  // namespace ds::input

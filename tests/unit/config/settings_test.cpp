// Settings that do what their help says. XCURSOR_SIZE as the fallback of
// SELKIES_CURSOR_SIZE, and the SELKIES_JSON_CONFIG overlay (pure parts; the round trip through the
// binary is tests/e2e/settings.test.mjs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <variant>

#include "config/config.hpp"
#include "config/json_overlay.hpp"
#include "config/options.hpp"

namespace ds::config {
namespace {

Result<Loaded> run(const std::map<std::string, std::string>& vars) {
  const char* args[] = {"deskstream"};
  auto r = load(1, args, [&vars](std::string_view k) -> std::optional<std::string> {
    auto it = vars.find(std::string(k));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
  if (!r) return Unexpected<Error>{r.error()};
  if (auto* loaded = std::get_if<Loaded>(&*r)) return std::move(*loaded);
  return fail("help instead of a configuration");
}

const Setting& setting(const Loaded& l, const std::string& env) {
  for (const auto& s : l.settings) {
    if (s.env == env) return s;
  }
  throw std::runtime_error("no setting " + env);
}

TEST(Settings, CursorSizeFallsBackToXcursorSize) {
  auto r = run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config.desktop.cursor_size, -1);
  r = run({{"XCURSOR_SIZE", "48"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.desktop.cursor_size, 48);
  EXPECT_FALSE(setting(*r, "SELKIES_CURSOR_SIZE").from_default);
  r = run({{"XCURSOR_SIZE", "48"}, {"SELKIES_CURSOR_SIZE", "32"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config.desktop.cursor_size, 32) << "SELKIES_CURSOR_SIZE wins";
  r = run({{"XCURSOR_SIZE", "big"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("XCURSOR_SIZE=\"big\""), std::string::npos) << r.error().message;
}

TEST(Settings, ImplementedSettingsAreNotMarkedUnsupported) {
  for (const char* env :
       {"SELKIES_JSON_CONFIG", "SELKIES_RTC_CONFIG_JSON", "SELKIES_TURN_REST_URI",
        "SELKIES_TURN_REST_USERNAME", "SELKIES_TURN_REST_USERNAME_AUTH_HEADER",
        "SELKIES_TURN_REST_PROTOCOL_HEADER", "SELKIES_TURN_REST_TLS_HEADER",
        "SELKIES_DEBUG_CURSORS", "SELKIES_CURSOR_SIZE", "SELKIES_ENABLE_WEBRTC_STATISTICS",
        "SELKIES_WEBRTC_STATISTICS_DIR", "SELKIES_UINPUT_MOUSE_SOCKET"}) {
    bool found = false;
    for (const auto& o : options()) {
      if (o.env != env) continue;
      found = true;
      EXPECT_TRUE(o.supported) << env;
    }
    EXPECT_TRUE(found) << env;
  }
  auto r = run({{"DESKSTREAM_TURN_REST_INTERVAL", "0"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DESKSTREAM_TURN_REST_INTERVAL"), std::string::npos);
}

// DESKSTREAM_EXTRA_ENCODERS: the codecs offered after SELKIES_ENCODER's.
TEST(Settings, ExtraEncoders) {
  auto r = run({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config.video.extra_encoders, (std::vector<std::string>{"vp8enc", "vp9enc"}));
  r = run({{"DESKSTREAM_EXTRA_ENCODERS", " VP9ENC, vp8enc,,vp9enc "}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->config.video.extra_encoders, (std::vector<std::string>{"vp9enc", "vp8enc"}));
  r = run({{"DESKSTREAM_EXTRA_ENCODERS", ""}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->config.video.extra_encoders.empty()) << "empty: the encoder's codec only";
  r = run({{"DESKSTREAM_EXTRA_ENCODERS", "vp8enc,h264"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("DESKSTREAM_EXTRA_ENCODERS"), std::string::npos)
      << r.error().message;
}

TEST(Settings, JsonOverlayOverridesTheEnvironment) {
  auto r = run({{"SELKIES_FRAMERATE", "30"}, {"SELKIES_VIDEO_BITRATE", "4000"}});
  ASSERT_TRUE(r);
  auto report = applyJsonOverlay(*r,
                                 R"({"framerate": 24, "video_bitrate": 2500.9,
                                     "audio_bitrate": "64000", "enable_resize": true,
                                     "encoder": "VP8ENC", "port": 1, "other": [1]})",
                                 "/x.json");
  EXPECT_TRUE(report.warnings.empty()) << report.warnings.front();
  EXPECT_EQ(r->config.video.framerate, 24);
  EXPECT_EQ(r->config.video.bitrate_kbps, 2500) << "int() of a float, as Selkies";
  EXPECT_EQ(r->config.audio.bitrate_bps, 64000);
  EXPECT_TRUE(r->config.desktop.enable_resize);
  EXPECT_EQ(r->config.video.encoder, "vp8enc");
  EXPECT_EQ(r->config.http.port, 8080) << "keys Selkies does not read are ignored";
  EXPECT_EQ(report.applied.size(), 5u);
  EXPECT_EQ(setting(*r, "SELKIES_FRAMERATE").value, "24");
  // Anything but true (any case) turns resize off, as Selkies reads it.
  applyJsonOverlay(*r, R"({"enable_resize": "yes"})", "/x.json");
  EXPECT_FALSE(r->config.desktop.enable_resize);
}

TEST(Settings, BadJsonOverlayWarnsAndKeepsTheEnvironment) {
  auto r = run({{"SELKIES_FRAMERATE", "30"}});
  ASSERT_TRUE(r);
  auto report = applyJsonOverlay(*r, "{\"framerate\": 2", "/x.json");
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("SELKIES_JSON_CONFIG /x.json is not a JSON object"),
            std::string::npos);
  EXPECT_EQ(applyJsonOverlay(*r, "[1,2]", "/x.json").warnings.size(), 1u);
  report = applyJsonOverlay(
      *r, R"({"framerate": 0, "video_bitrate": "fast", "encoder": 7, "audio_bitrate": 96000})",
      "/x.json");
  ASSERT_EQ(report.warnings.size(), 3u);
  EXPECT_NE(report.warnings[0].find("\"framerate\": 0 is not valid"), std::string::npos)
      << report.warnings[0];
  EXPECT_NE(report.warnings[0].find("SELKIES_FRAMERATE"), std::string::npos);
  EXPECT_EQ(r->config.video.framerate, 30);
  EXPECT_EQ(r->config.audio.bitrate_bps, 96000) << "the valid key still applies";
}

TEST(Settings, JsonValuesAreMergedIntoTheFile) {
  bool replaced = true;
  auto text = withJsonValue(R"({"encoder":"x264enc","framerate":60})", "framerate", 30, &replaced);
  EXPECT_FALSE(replaced);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["framerate"], 30);
  EXPECT_EQ(j["encoder"], "x264enc");
  text = withJsonValue("garbage", "enable_resize", true, &replaced);
  EXPECT_TRUE(replaced);
  EXPECT_EQ(nlohmann::json::parse(text), nlohmann::json({{"enable_resize", true}}));
  withJsonValue("", "framerate", 30, &replaced);
  EXPECT_FALSE(replaced) << "a missing or empty file is not reported as replaced";
}

TEST(Settings, JsonConfigFileIsWrittenAtomicallyAndReadBounded) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ds_json_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "c.json").string();
  auto none = readJsonConfig(path);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  ASSERT_TRUE(writeFileAtomic(path, R"({"framerate":30})"));
  auto read = readJsonConfig(path);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ(**read, R"({"framerate":30})");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u) << "no temporary file left behind";
  std::ofstream(path) << std::string(kJsonConfigMaxBytes + 1, ' ');
  EXPECT_FALSE(readJsonConfig(path));
  EXPECT_FALSE(writeFileAtomic((dir / "missing" / "c.json").string(), "{}"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ds::config

#include "input/protocol.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::input {
namespace {

template <typename T>
T parsed(std::string_view text) {
  auto m = parseMessage(text);
  EXPECT_TRUE(m.has_value()) << text << ": " << (m ? "" : m.error().message);
  if (!m || !std::holds_alternative<T>(*m)) {
    ADD_FAILURE() << "wrong type for " << text;
    return T{};
  }
  return std::get<T>(*m);
}

void expectBad(std::string_view text) {
  auto m = parseMessage(text);
  EXPECT_FALSE(m.has_value()) << "accepted: " << text;
  if (!m) {
    EXPECT_FALSE(m.error().message.empty());
  }
}

TEST(InputProtocol, Keys) {
  EXPECT_EQ(parsed<KeyDown>("kd,65").keysym, 65u);
  EXPECT_EQ(parsed<KeyUp>("ku,65507").keysym, 65507u);
  EXPECT_EQ(parsed<KeyDown>("kd,16777451").keysym, 0x10000ebu);
  parsed<KeyReset>("kr");
  for (auto bad : {"kd", "kd,", "kd,abc", "kd,-1", "kd,0", "kd,1,2", "kd,99999999999", "kd, 65",
                   "kr,1", "ku,0x41"}) {
    expectBad(bad);
  }
}

TEST(InputProtocol, Mouse) {
  auto m = parsed<Mouse>("m,100,200,1,0");
  EXPECT_FALSE(m.relative);
  EXPECT_EQ(m.x, 100);
  EXPECT_EQ(m.y, 200);
  EXPECT_EQ(m.mask, 1u);
  EXPECT_EQ(m.magnitude, 1);  // 0 clamps to 1
  auto legacy = parsed<Mouse>("m,5,6,0");
  EXPECT_EQ(legacy.magnitude, 1);
  auto rel = parsed<Mouse>("m2,-10,7,4,3");
  EXPECT_TRUE(rel.relative);
  EXPECT_EQ(rel.x, -10);
  EXPECT_EQ(rel.magnitude, 3);
  EXPECT_EQ(parsed<Mouse>("m,1,1,8,50").magnitude, 10);
  EXPECT_EQ(parsed<Mouse>("m,1,1,16,-4").magnitude, 4);
  for (auto bad :
       {"m", "m,1,2", "m,1,2,3,4,5", "m,-40000,5,0,0", "m,5,40000,0,0", "m,40000,1,0,0",
        "m2,-40000,1,0,0", "m,a,b,c,d", "m,1.5,2,0,0", "m,1,2,128,0", "m,1,2,-1,0", "m,1,2,0,x"}) {
    expectBad(bad);
  }
}

TEST(InputProtocol, SettingsAndMisc) {
  EXPECT_TRUE(parsed<PointerVisible>("p,1").visible);
  EXPECT_FALSE(parsed<PointerVisible>("p,0").visible);
  EXPECT_EQ(parsed<VideoBitrate>("vb,8000").kbps, 8000);
  EXPECT_EQ(parsed<AudioBitrate>("ab,128000").bps, 128000);
  EXPECT_EQ(parsed<Framerate>("_arg_fps,60").fps, 60);
  EXPECT_EQ(parsed<ClientFps>("_f,59").fps, 59);
  EXPECT_EQ(parsed<ClientLatency>("_l,12").ms, 12);
  EXPECT_DOUBLE_EQ(parsed<Pong>("pong,1700000000.123").client_time, 1700000000.123);
  auto stats = parsed<ClientStats>(R"(_stats_video,[{"type":"codec","a":1},{"type":"x","b":2}])");
  EXPECT_FALSE(stats.audio);
  EXPECT_EQ(stats.fields,
            (std::vector<StatsField>{
                {"codec.type", "codec"}, {"codec.a", "1"}, {"x.type", "x"}, {"x.b", "2"}}));
  EXPECT_TRUE(parsed<ClientStats>("_stats_audio,[]").audio);
  EXPECT_TRUE(parsed<NetworkStatusRequest>("_ds_network,1").on);
  EXPECT_FALSE(parsed<NetworkStatusRequest>("_ds_network,0").on);
  EXPECT_TRUE(allowedForViewer(Message{NetworkStatusRequest{true}}));
  EXPECT_EQ(networkStatusMessage(true, 2400, 15),
            R"({"data":{"framerate":15,"limited":true,"scale_percent":100,"video_bitrate":2400},)"
            R"("type":"network"})");
  EXPECT_EQ(networkStatusMessage(true, 300, 10, 50),
            R"({"data":{"framerate":10,"limited":true,"scale_percent":50,"video_bitrate":300},)"
            R"("type":"network"})");
  EXPECT_EQ(roleMessage(false), R"({"data":{"role":"view"},"type":"role"})");
  EXPECT_EQ(roleMessage(true), R"({"data":{"role":"control"},"type":"role"})");
  for (auto bad : {"_ds_network", "_ds_network,2", "_ds_network,x", "_ds_network,1,1"}) {
    expectBad(bad);
  }
  for (auto bad :
       {"p,2", "p", "vb,0", "vb,abc", "vb,2000000", "ab,10", "_arg_fps,0", "_arg_fps,500", "_f,x",
        "pong", "pong,abc", "_stats_video", "js,x,0", "js", "zz,1", "", ",", "hello world"}) {
    expectBad(bad);
  }
  expectBad("_stats_video,{}");            // not a report list
  expectBad(R"(_stats_audio,[{"a":1}])");  // a report without a type
}

TEST(InputProtocol, Gamepads) {
  // As gst-web sends them: connect (index, base64 id, axes, buttons), disconnect, button, axis.
  auto c = parsed<Gamepad>("js,c,0," +
                           base64Encode("Xbox 360 Controller (XInput STANDARD GAMEPAD)") + ",4,17");
  EXPECT_EQ(c.kind, Gamepad::Kind::kConnect);
  EXPECT_EQ(c.index, 0);
  EXPECT_EQ(c.name, "Xbox 360 Controller (XInput STANDARD GAMEPAD)");
  EXPECT_EQ(c.axes, 4);
  EXPECT_EQ(c.buttons, 17);
  auto d = parsed<Gamepad>("js,d,3");
  EXPECT_EQ(d.kind, Gamepad::Kind::kDisconnect);
  EXPECT_EQ(d.index, 3);
  auto b = parsed<Gamepad>("js,b,1,16,1");
  EXPECT_EQ(b.kind, Gamepad::Kind::kButton);
  EXPECT_EQ(b.index, 1);
  EXPECT_EQ(b.number, 16);
  EXPECT_EQ(b.value, 1.0);
  auto a = parsed<Gamepad>("js,a,2,3,-0.7071067811865476");
  EXPECT_EQ(a.kind, Gamepad::Kind::kAxis);
  EXPECT_EQ(a.number, 3);
  EXPECT_DOUBLE_EQ(a.value, -0.7071067811865476);
  EXPECT_DOUBLE_EQ(parsed<Gamepad>("js,b,0,6,1e-7").value, 1e-7);  // JS number formatting
  EXPECT_EQ(parsed<Gamepad>("js,b,0,511,0").number, 511);
  EXPECT_EQ(parsed<Gamepad>("js,a,0,63,0").number, 63);
  EXPECT_EQ(parsed<Gamepad>("js,c,0,,0,0").name, "");
  // The id is cut at 255 characters (not bytes), as Selkies does; non-UTF-8 bytes become '?'.
  std::string long_id;
  for (int i = 0; i < 300; ++i) long_id += "\xc3\xa9";  // U+00E9
  EXPECT_EQ(parsed<Gamepad>("js,c,1," + base64Encode(long_id) + ",4,17").name.size(), 510u);
  EXPECT_EQ(parsed<Gamepad>("js,c,1," + base64Encode("pad\xff") + ",4,17").name, "pad?");

  for (auto bad : {"js",
                   "js,",
                   "js,x,0",
                   "js,c",
                   "js,c,0,UGFk,4",
                   "js,c,0,UGFk,4,17,1",
                   "js,c,4,UGFk,4,17",
                   "js,c,-1,UGFk,4,17",
                   "js,c,0,@@@,4,17",
                   "js,c,0,UGFk,65,17",
                   "js,c,0,UGFk,4,513",
                   "js,c,0,UGFk,-1,17",
                   "js,d",
                   "js,d,4",
                   "js,d,0,1",
                   "js,b,0,0",
                   "js,b,0,0,1,2",
                   "js,b,0,512,1",
                   "js,b,0,-1,1",
                   "js,a,0,64,0",
                   "js,b,9,0,1",
                   "js,b,0,0,abc",
                   "js,a,0,0,nan",
                   "js,a,0,0,inf",
                   "js,b,0,0,",
                   "js,a,x,0,0"}) {
    expectBad(bad);
  }
  EXPECT_EQ(parseMessage("js,b,0,0").error().message, "'js,b' expects 4 fields, got 3");
  EXPECT_EQ(parseMessage("js,c,7,UGFk,4,17").error().message, "gamepad index out of range");
  // Gamepads are input: a view-only peer's are dropped.
  EXPECT_FALSE(allowedForViewer(*parseMessage("js,b,0,0,1")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("js,c,0,UGFk,4,17")));
}

TEST(InputProtocol, Resize) {
  EXPECT_EQ(parsed<Resize>("r,1024x640").size, (Size{1024, 640}));
  EXPECT_EQ(parsed<Resize>("r,1023x641").size, (Size{1024, 642}));  // rounded up to even
  auto toggle = parsed<ResizeToggle>("_arg_resize,true,1920x1080");
  EXPECT_TRUE(toggle.enabled);
  EXPECT_EQ(toggle.size, (Size{1920, 1080}));
  auto off = parsed<ResizeToggle>("_arg_resize,False,garbage");
  EXPECT_FALSE(off.enabled);
  EXPECT_FALSE(off.size.has_value());
  EXPECT_EQ(parsed<Resize>("r,99999x10").size, (Size{100000, 10}));  // syntax ok...
  EXPECT_FALSE(validateSize({100000, 10}));                          // ...range refused
  EXPECT_FALSE(validateSize({10, 480}));
  EXPECT_TRUE(validateSize({1024, 640}));
  for (auto bad : {"r", "r,1024", "r,1024x", "r,x640", "r,-1x5", "r,10x10x10", "r,1e3x5",
                   "r,12345678x5", "r, 1024x640", "_arg_resize,maybe,10x10", "_arg_resize,true"}) {
    expectBad(bad);
  }
  EXPECT_DOUBLE_EQ(parsed<Scale>("s,1.5").scale, 1.5);
  for (auto bad : {"s,0.5", "s,3", "s,abc", "s,nan", "s,inf", "s"}) expectBad(bad);
}

// Selkies: int(96 * scale), for a scale in 0.75..2.5 (Python's int() truncates).
TEST(InputProtocol, DpiForScale) {
  EXPECT_EQ(*dpiForScale(1), 96);
  EXPECT_EQ(*dpiForScale(1.5), 144);
  EXPECT_EQ(*dpiForScale(0.75), 72);
  EXPECT_EQ(*dpiForScale(2.5), 240);
  EXPECT_EQ(*dpiForScale(1.1), 105);   // 105.6 truncated, not rounded
  EXPECT_EQ(*dpiForScale(1.15), 110);  // 110.39999999999999
  EXPECT_EQ(*dpiForScale(1.3333333), 127);
  for (double bad : {0.74, 2.51, 0.0, -1.0, 10.0, std::nan("")}) {
    auto r = dpiForScale(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().message, "scale outside 0.75..2.5");
    }
  }
}

TEST(InputProtocol, Clipboard) {
  parsed<ClipboardRead>("cr");
  const std::string text = "héllo wörld ß € 日本 😀";
  EXPECT_EQ(parsed<ClipboardWrite>("cw," + base64Encode(text)).text, text);
  expectBad("cw,!!!notbase64");
  expectBad("cw," + base64Encode("\xff\xfe bad utf8"));
  expectBad("cw," + base64Encode("\xed\xa0\x80"));  // a UTF-16 surrogate
  expectBad("cw");
  expectBad("cr,1");
}

TEST(InputProtocol, ViewerFilter) {
  EXPECT_TRUE(allowedForViewer(*parseMessage("pong,1.0")));
  EXPECT_TRUE(allowedForViewer(*parseMessage("_f,30")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("kd,65")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("m,1,1,0,0")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("cw,YQ==")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("r,800x600")));
  EXPECT_FALSE(allowedForViewer(*parseMessage("vb,100")));
}

TEST(InputProtocol, MaskDiff) {
  using E = ButtonEvent;
  EXPECT_EQ(diffButtons(0, 1, 1), (std::vector<E>{{1, true}}));
  EXPECT_EQ(diffButtons(1, 0, 1), (std::vector<E>{{1, false}}));
  EXPECT_EQ(diffButtons(1, 4, 1), (std::vector<E>{{1, false}, {3, true}}));
  EXPECT_EQ(diffButtons(0, 2, 1), (std::vector<E>{{2, true}}));
  EXPECT_TRUE(diffButtons(5, 5, 1).empty());
  // Bit 3 (gst-web's wheel down) with magnitude 3: three clicks of X button 5; turning the bit
  // off does nothing.
  EXPECT_EQ(diffButtons(0, 8, 3),
            (std::vector<E>{{5, true}, {5, false}, {5, true}, {5, false}, {5, true}, {5, false}}));
  EXPECT_TRUE(diffButtons(8, 0, 3).empty());
  EXPECT_EQ(diffButtons(1, 1 | 16, 1), (std::vector<E>{{4, true}, {4, false}}));  // wheel up
  EXPECT_EQ(diffButtons(0, 32, 1), (std::vector<E>{{6, true}, {6, false}}));
  EXPECT_EQ(diffButtons(0, 64, 1), (std::vector<E>{{7, true}, {7, false}}));
  EXPECT_EQ(diffButtons(0, 8, 99).size(), 20u);  // magnitude capped at 10
}

TEST(InputProtocol, ServerMessages) {
  auto sys = nlohmann::json::parse(systemMessage("resize,True"));
  EXPECT_EQ(sys["type"], "system");
  EXPECT_EQ(sys["data"]["action"], "resize,True");
  auto clip = nlohmann::json::parse(clipboardMessage("é"));
  EXPECT_EQ(clip["type"], "clipboard");
  EXPECT_EQ(*base64Decode(clip["data"]["content"].get<std::string>()), "é");
  auto ping = nlohmann::json::parse(pingMessage(1700000000.12345));
  EXPECT_DOUBLE_EQ(ping["data"]["start_time"].get<double>(), 1700000000.123);
  auto lat = nlohmann::json::parse(latencyMessage(12.5));
  EXPECT_EQ(lat["type"], "latency_measurement");
  EXPECT_DOUBLE_EQ(lat["data"]["latency_ms"].get<double>(), 12.5);
  auto cur = nlohmann::json::parse(cursorMessage("PNG", 42, false, 3, 4));
  EXPECT_EQ(cur["data"]["handle"], 42);
  EXPECT_TRUE(cur["data"]["override"].is_null());
  EXPECT_EQ(cur["data"]["hotspot"]["x"], 3);
  EXPECT_EQ(nlohmann::json::parse(cursorMessage("", 1, true, 0, 0))["data"]["override"], "none");
  auto pipe = nlohmann::json::parse(pipelineMessage("Error: \"quoted\"\n"));
  EXPECT_EQ(pipe["data"]["status"], "Error: \"quoted\"\n");
}

TEST(InputProtocol, Utf8Validation) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain"));
  EXPECT_TRUE(isValidUtf8("é€😀"));
  EXPECT_FALSE(isValidUtf8("\xc3"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_FALSE(isValidUtf8("a\x80"));
}

}  // namespace
}  // namespace ds::input

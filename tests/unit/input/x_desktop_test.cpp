// Pointer, resize, DPI, clipboard, cursor and the channel-open sequence against a real Xvfb.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "input/detail/xlib.hpp"
#include "unit/input/png_reader.hpp"
#include "unit/input/x_fixture.hpp"

namespace ds::input::test {
namespace {

std::string action(const std::string& text) {
  return nlohmann::json::parse(text)["data"]["action"].get<std::string>();
}

std::string pointer(Xvfb& x) {
  auto out = x.run("xdotool getmouselocation");
  return out.substr(0, out.find(" screen"));
}

// Multi-kilobyte UTF-8 with 2-, 3- and 4-byte sequences.
std::string bigText(size_t approx_bytes, const std::string& seed) {
  std::string text;
  for (int i = 0; text.size() < approx_bytes; ++i) {
    text += seed + " ligne " + std::to_string(i) + ": àéîõü ß € 日本語 😀\n";
  }
  return text;
}

TEST_F(InputX, OpenSendsSystemMessagesInOrderThenCursor) {
  session_->onOpen({60, 8000, 128000, "x264enc"});
  ASSERT_GE(sent_.size(), 6u);
  EXPECT_EQ(action(sent_[0]), "framerate,60");
  EXPECT_EQ(action(sent_[1]), "video_bitrate,8000");
  EXPECT_EQ(action(sent_[2]), "audio_bitrate,128000");
  EXPECT_EQ(action(sent_[3]), "resize,True");
  EXPECT_EQ(action(sent_[4]), "encoder,x264enc");
  EXPECT_EQ(nlohmann::json::parse(sent_[5])["type"], "cursor");
}

TEST_F(InputX, PingPongAndControls) {
  session_->sendPing();
  ASSERT_EQ(sentOfType("ping").size(), 1u);
  send("pong,1700000000.5");
  auto latency = sentOfType("latency_measurement");
  ASSERT_EQ(latency.size(), 1u);
  EXPECT_GE(nlohmann::json::parse(latency[0])["data"]["latency_ms"].get<double>(), 0.0);
  send("vb,4000");
  send("ab,64000");
  send("_arg_fps,30");
  send("p,1");
  EXPECT_EQ(controls_.calls,
            (std::vector<std::string>{"vb 4000", "ab 64000", "fps 30", "pointer 1"}));
  // Selkies' acknowledgements, in its words.
  std::vector<std::string> acks;
  for (const auto& m : sentOfType("pipeline")) {
    acks.push_back(nlohmann::json::parse(m)["data"]["status"].get<std::string>());
  }
  EXPECT_EQ(acks,
            (std::vector<std::string>{"Video bitrate set to: 4000", "Audio bitrate set to: 64000",
                                      "Set pointer visibility to: 1"}));
}

// Congestion control encodes a smaller picture (the browser stretches it back); the page sends
// positions in the picture's pixels, which land where they point on the screen.
TEST_F(InputX, PositionsInAShrunkPictureLandOnTheScreenWhereTheyPoint) {
  controls_.picture_scale = 0.5;
  send("m,100,150,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:200 y:300");
  send("m2,10,-5,0,0");  // relative motion is the user's hand, not a position: unchanged
  EXPECT_EQ(pointer(*xvfb_), "x:210 y:295");
  controls_.picture_scale = 0.75;
  send("m,300,150,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:400 y:200");
  controls_.picture_scale = 1.0;
  send("m,300,150,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:300 y:150");
}

TEST_F(InputX, PointerMovesClicksAndScrolls) {
  send("m,100,200,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:100 y:200");
  send("m2,10,-5,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:110 y:195");
  send("m,abc");  // malformed: ignored
  EXPECT_EQ(pointer(*xvfb_), "x:110 y:195");
  // Outside the screen: clamped to the nearest edge (gst-web sends x = width on the last column).
  const Size screen = desktop_->screenSize();
  send("m," + std::to_string(screen.width) + "," + std::to_string(screen.height) + ",0,0");
  EXPECT_EQ(pointer(*xvfb_),
            "x:" + std::to_string(screen.width - 1) + " y:" + std::to_string(screen.height - 1));
  send("m,-30,30000,0,0");
  EXPECT_EQ(pointer(*xvfb_), "x:0 y:" + std::to_string(screen.height - 1));

  // Clicks and wheel reach a real client.
  const std::string keys = writeTempFile("k.txt", "");
  const std::string buttons = writeTempFile("b.txt", "");
  std::filesystem::remove(keys + ".ready");
  xvfb_->spawn({DS_KEY_LOGGER, keys, buttons});
  ASSERT_TRUE(pumpUntil([&] { return std::filesystem::exists(keys + ".ready"); }));
  send("m,50,50,1,0");
  send("m,50,50,0,0");
  send("m,50,50,4,0");
  send("m,50,50,0,0");
  send("m,50,50,8,3");  // gst-web's wheel down x3: X button 5
  send("m,50,50,0,0");
  send("m,50,50,16,1");  // gst-web's wheel up: X button 4
  send("m,50,50,0,0");
  send("m,50,50,32,1");  // wheel left (deskstream extension)
  send("m,50,50,0,0");
  // A release on the last column and row is not lost: the next press is a new press.
  const std::string corner = std::to_string(screen.width) + "," + std::to_string(screen.height);
  send("m,50,50,1,0");
  send("m," + corner + ",0,0");
  send("m,50,50,1,0");
  send("m,50,50,0,0");
  const std::string expected = "B1\nB3\nB5\nB5\nB5\nB4\nB6\nB1\nB1\n";
  EXPECT_TRUE(pumpUntil([&] { return readFile(buttons).size() >= expected.size(); }));
  EXPECT_EQ(readFile(buttons), expected);
}

TEST_F(InputX, ResizesXvfbWithXrandr) {
  session_->onOpen({60, 8000, 128000, "x264enc"});
  sent_.clear();
  send("r,1024x640");
  EXPECT_NE(xvfb_->run("xdpyinfo").find("dimensions:    1024x640 pixels"), std::string::npos);
  ASSERT_EQ(sentOfType("system").size(), 1u);
  EXPECT_EQ(action(sentOfType("system")[0]), "resolution,1024x640");
  EXPECT_EQ(controls_.calls, (std::vector<std::string>{"resized 1024x640"}));
  EXPECT_EQ(desktop_->screenSize(), (Size{1024, 640}));

  send("r,801x601");  // rounded up to even
  EXPECT_NE(xvfb_->run("xdpyinfo").find("dimensions:    802x602 pixels"), std::string::npos);

  // Absurd or impossible sizes are refused with a message on the channel.
  sent_.clear();
  send("r,20000x20000");
  send("r,2000x2000");  // beyond the size Xvfb was started with
  auto errors = sentOfType("pipeline");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("refused"), std::string::npos);
  EXPECT_NE(xvfb_->run("xdpyinfo").find("802x602 pixels"), std::string::npos);

  // Disabled: ignored. Re-enabled with a size: applied.
  send("_arg_resize,false,1280x720");
  send("r,1280x720");
  EXPECT_NE(xvfb_->run("xdpyinfo").find("802x602 pixels"), std::string::npos);
  send("_arg_resize,true,1280x720");
  EXPECT_NE(xvfb_->run("xdpyinfo").find("1280x720 pixels"), std::string::npos);
}

// Xlib's error handler is process-wide, and the process has other X connections (ximagesrc's,
// the damage watch's) with serials of their own: an error there must not fail a resize here.
TEST_F(InputX, AnotherConnectionsErrorDoesNotFailAResize) {
  Display* other = XOpenDisplay(xvfb_->display().c_str());
  ASSERT_NE(other, nullptr);
  for (int i = 0; i < 20000; ++i) XNoOp(other);  // its serials now run far ahead of ours
  XMapWindow(other, 0x1fffffff);                 // BadWindow, reported to the shared handler
  XSync(other, False);
  XCloseDisplay(other);

  session_->onOpen({60, 8000, 128000, "x264enc"});
  sent_.clear();
  send("r,1024x640");
  EXPECT_TRUE(sentOfType("pipeline").empty()) << sent_.front();
  EXPECT_EQ(desktop_->screenSize(), (Size{1024, 640}));
  EXPECT_NE(xvfb_->run("xdpyinfo").find("dimensions:    1024x640 pixels"), std::string::npos);
}

TEST_F(InputX, ScaleSetsXftDpi) {
  send("s,1.5");
  EXPECT_NE(xvfb_->run("xprop -root RESOURCE_MANAGER").find("Xft.dpi:\\t144"), std::string::npos);
  send("s,1");
  const auto out = xvfb_->run("xprop -root RESOURCE_MANAGER");
  EXPECT_NE(out.find("Xft.dpi:\\t96"), std::string::npos) << out;
  EXPECT_EQ(out.find("144"), std::string::npos);
  // With resize off the DPI stays, as on Selkies.
  send("_arg_resize,false,800x600");
  send("s,2");
  const auto after = xvfb_->run("xprop -root RESOURCE_MANAGER");
  EXPECT_NE(after.find("Xft.dpi:\\t96"), std::string::npos) << after;
  EXPECT_EQ(after.find("192"), std::string::npos) << after;
}

TEST_F(InputX, ClipboardBrowserToHost) {
  const std::string text = bigText(20000, "browser");
  send("cw," + base64Encode(text));
  const std::string file = writeTempFile("clip_out.txt", "");
  // xclip blocks while we serve the request: serve from the main loop meanwhile.
  xvfb_->spawn({"sh", "-c",
                "xclip -selection clipboard -o > " + file + ".tmp && mv " + file + ".tmp " + file +
                    ".done"});
  ASSERT_TRUE(pumpUntil([&] { return std::filesystem::exists(file + ".done"); }));
  EXPECT_EQ(readFile(file + ".done"), text);
  EXPECT_TRUE(sentOfType("clipboard").empty());  // not echoed back
}

TEST_F(InputX, ClipboardBrowserToHostLargeUsesIncr) {
  const std::string text = bigText(700000, "incr");
  send("cw," + base64Encode(text));
  const std::string file = writeTempFile("clip_incr.txt", "");
  xvfb_->spawn({"sh", "-c",
                "xclip -selection clipboard -o > " + file + ".tmp && mv " + file + ".tmp " + file +
                    ".done"});
  ASSERT_TRUE(pumpUntil([&] { return std::filesystem::exists(file + ".done"); }, 10000));
  EXPECT_EQ(readFile(file + ".done"), text);
}

TEST_F(InputX, ClipboardIncrBetweenTwoDesktops) {
  // Our owner side serves 700 kB with INCR; a second Desktop reads it back with INCR.
  Options reader_options = options_;
  reader_options.clipboard_max_base64 = 4 * 1024 * 1024;
  auto reader = Desktop::open(reader_options).value();
  std::vector<std::string> received;
  InputSession reader_session(
      *reader, controls_, [&](std::string text) { received.push_back(std::move(text)); }, true);
  reader_session.onOpen({60, 8000, 128000, "x264enc"});
  received.clear();
  const std::string text = bigText(700000, "both");
  send("cw," + base64Encode(text));
  auto clipboard = [&]() -> std::string {  // the 1 Hz pings may arrive too
    for (const auto& r : received) {
      if (r.find("\"type\":\"clipboard\"") != std::string::npos) return r;
    }
    return "";
  };
  ASSERT_TRUE(pumpUntil([&] { return !clipboard().empty(); }, 10000));  // XFixes change notice
  auto msg = nlohmann::json::parse(clipboard());
  EXPECT_EQ(*base64Decode(msg["data"]["content"].get<std::string>()), text);
}

TEST_F(InputX, ClipboardHostToBrowser) {
  session_->onOpen({60, 8000, 128000, "x264enc"});
  const std::string text = bigText(30000, "host");
  const std::string file = writeTempFile("clip_in.txt", text);
  // A host-side change arrives by XFixes notification, without any request.
  xvfb_->spawn({"xclip", "-selection", "clipboard", "-i", file});
  ASSERT_TRUE(pumpUntil([&] { return !sentOfType("clipboard").empty(); }));
  auto msg = nlohmann::json::parse(sentOfType("clipboard")[0]);
  EXPECT_EQ(*base64Decode(msg["data"]["content"].get<std::string>()), text);
  // An explicit read answers again.
  send("cr");
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("clipboard").size() == 2; }));
  // Too large for one message: refused with an explanation, never truncated.
  const std::string huge = bigText(80000, "huge");
  xvfb_->spawn({"xclip", "-selection", "clipboard", "-i", writeTempFile("huge.txt", huge)});
  ASSERT_TRUE(pumpUntil([&] { return !sentOfType("pipeline").empty(); }));
  EXPECT_NE(sentOfType("pipeline")[0].find("Clipboard not sent"), std::string::npos);
  EXPECT_EQ(sentOfType("clipboard").size(), 2u);
}

TEST_F(InputX, ClipboardModeIsEnforced) {
  session_.reset();
  desktop_.reset();
  options_.clipboard = ClipboardMode::kOut;
  desktop_ = Desktop::open(options_).value();
  session_ = makeSession(true);
  session_->onOpen({60, 8000, 128000, "x264enc"});
  send("cw," + base64Encode("should not arrive"));
  EXPECT_EQ(xvfb_->run("xclip -selection clipboard -o 2>/dev/null").find("should not arrive"),
            std::string::npos);
}

// Starts a client whose window (0,0 640x400) has a 16x16 black cursor with hotspot (3,5).
void startCursorClient(Xvfb& xvfb, const std::function<bool(const std::function<bool()>&)>& pump) {
  const std::string keys = writeTempFile("ck.txt", "");
  std::filesystem::remove(keys + ".ready");
  xvfb.spawn({DS_KEY_LOGGER, keys, writeTempFile("cb.txt", ""), "cursor"});
  pump([&] { return std::filesystem::exists(keys + ".ready"); });
}

TEST_F(InputX, CursorChangeSendsPng) {
  send("m,900,600,0,0");
  session_->onOpen({60, 8000, 128000, "x264enc"});
  startCursorClient(*xvfb_, [&](const std::function<bool()>& f) { return pumpUntil(f); });
  const size_t before = sentOfType("cursor").size();
  send("m,100,100,0,0");  // onto the client's window: the displayed cursor changes
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("cursor").size() > before; }));
  auto msg = nlohmann::json::parse(sentOfType("cursor").back());
  EXPECT_GT(msg["data"]["handle"].get<uint64_t>(), 0u);
  EXPECT_TRUE(msg["data"]["override"].is_null());
  EXPECT_EQ(msg["data"]["hotspot"]["x"], 3);
  EXPECT_EQ(msg["data"]["hotspot"]["y"], 5);
  auto png = decodePng(*base64Decode(msg["data"]["curdata"].get<std::string>()));
  ASSERT_TRUE(png.has_value());
  EXPECT_EQ(png->width, 16);
  EXPECT_EQ(png->height, 16);
  EXPECT_EQ(png->rgba[3], 0xff);  // opaque black
  EXPECT_EQ(png->rgba[0], 0x00);
  // Back to the root cursor and onto the window again: the second time comes from the cache.
  const size_t count = sentOfType("cursor").size();
  send("m,900,600,0,0");
  send("m,100,100,0,0");
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("cursor").size() >= count + 2; }));
  EXPECT_EQ(sentOfType("cursor").back(), sentOfType("cursor")[count - 1]);
}

TEST_F(InputX, UnreadableCursorFallsBackToDefault) {
  // xsetroot exits right away; X then refuses to show its cursor to others (BadAccess).
  session_->onOpen({60, 8000, 128000, "x264enc"});
  send("m,1000,650,0,0");
  const size_t before = sentOfType("cursor").size();
  xvfb_->run("xsetroot -cursor_name watch");
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("cursor").size() > before; }));
  auto msg = nlohmann::json::parse(sentOfType("cursor").back());
  EXPECT_EQ(msg["data"]["handle"], 0);
  xvfb_->run("xsetroot -def");
}

TEST_F(InputX, CursorSizeScalesImages) {
  session_.reset();
  desktop_.reset();
  options_.cursor_size = 48;
  desktop_ = Desktop::open(options_).value();
  session_ = makeSession(true);
  send("m,900,600,0,0");
  session_->onOpen({60, 8000, 128000, "x264enc"});
  startCursorClient(*xvfb_, [&](const std::function<bool()>& f) { return pumpUntil(f); });
  const size_t before = sentOfType("cursor").size();
  send("m,100,100,0,0");
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("cursor").size() > before; }));
  auto msg = nlohmann::json::parse(sentOfType("cursor").back());
  EXPECT_EQ(msg["data"]["hotspot"]["x"], 9);
  EXPECT_EQ(msg["data"]["hotspot"]["y"], 15);
  auto png = decodePng(*base64Decode(msg["data"]["curdata"].get<std::string>()));
  ASSERT_TRUE(png.has_value());
  EXPECT_EQ(png->width, 48);
  EXPECT_EQ(png->height, 48);
}

TEST_F(InputX, DebugCursorsDumpsEachNewCursorPng) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ds_cursor_dump_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  session_.reset();
  desktop_.reset();
  options_.debug_cursors = true;
  options_.cursor_dump_dir = dir.string();
  options_.cursor_size = 24;
  desktop_ = Desktop::open(options_).value();
  session_ = makeSession(true);
  send("m,900,600,0,0");
  session_->onOpen({60, 8000, 128000, "x264enc"});
  startCursorClient(*xvfb_, [&](const std::function<bool()>& f) { return pumpUntil(f); });
  const size_t before = sentOfType("cursor").size();
  send("m,100,100,0,0");
  ASSERT_TRUE(pumpUntil([&] { return sentOfType("cursor").size() > before; }));
  auto msg = nlohmann::json::parse(sentOfType("cursor").back());
  const auto serial = msg["data"]["handle"].get<uint64_t>();
  ASSERT_GT(serial, 0u);
  // The file holds exactly the PNG sent to the browser (scaled to SELKIES_CURSOR_SIZE).
  const fs::path file = dir / ("cursor_" + std::to_string(serial) + ".png");
  ASSERT_TRUE(fs::exists(file)) << file;
  const std::string dumped = readFile(file.string());
  EXPECT_EQ(dumped, *base64Decode(msg["data"]["curdata"].get<std::string>()));
  auto png = decodePng(dumped);
  ASSERT_TRUE(png.has_value());
  EXPECT_EQ(png->width, 24);
  // A planted symlink is never followed.
  const fs::path target = dir / "target";
  std::ofstream(target) << "keep";
  fs::remove(file);
  fs::create_symlink(target, file);
  session_.reset();
  desktop_.reset();  // a fresh watcher (empty cache) fetches and dumps the same serial again
  desktop_ = Desktop::open(options_).value();
  session_ = makeSession(true);
  send("m,900,600,0,0");
  session_->onOpen({60, 8000, 128000, "x264enc"});
  sent_.clear();
  send("m,100,100,0,0");
  ASSERT_TRUE(pumpUntil([&] {
    const auto c = sentOfType("cursor");
    return !c.empty() && nlohmann::json::parse(c.back())["data"]["handle"] == serial;
  }));
  EXPECT_TRUE(fs::is_symlink(file));
  EXPECT_EQ(readFile(target.string()), "keep");
  fs::remove_all(dir);
}

TEST_F(InputX, CursorsDisabledSendNothing) {
  session_.reset();
  desktop_.reset();
  options_.cursors_enabled = false;
  desktop_ = Desktop::open(options_).value();
  session_ = makeSession(true);
  session_->onOpen({60, 8000, 128000, "x264enc"});
  startCursorClient(*xvfb_, [&](const std::function<bool()>& f) { return pumpUntil(f); });
  send("m,100,100,0,0");
  pump(200);
  EXPECT_TRUE(sentOfType("cursor").empty());
}

}  // namespace
}  // namespace ds::input::test

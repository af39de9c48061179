// Keyboard injection against a real Xvfb, read back by a real X client (key_logger) and
// XQueryKeymap.
#include <gtest/gtest.h>

#include <filesystem>

#include "unit/input/x_fixture.hpp"
// X last: its macros (None, Bool, Status) clash with GoogleTest.
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>

namespace ds::input::test {
namespace {

constexpr uint32_t kShiftL = 0xffe1;

std::vector<uint32_t> codepoints(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += len;
  }
  return out;
}

class InputKeyboard : public InputX {
 protected:
  // Types like a browser on a US keyboard would: Shift around upper case and shifted symbols,
  // and the character's keysym for everything else (Latin-1 = code point, else 0x01000000|cp).
  void typeText(const std::string& text) {
    for (uint32_t cp : codepoints(text)) {
      const bool shift =
          (cp >= 'A' && cp <= 'Z') ||
          (cp < 0x80 &&
           std::string("~!@#$%^&*()_+{}|:\"<>?").find(static_cast<char>(cp)) != std::string::npos);
      const uint32_t keysym = cp < 0x100 ? cp : 0x01000000 | cp;
      if (shift) send("kd," + std::to_string(kShiftL));
      send("kd," + std::to_string(keysym));
      send("ku," + std::to_string(keysym));
      if (shift) send("ku," + std::to_string(kShiftL));
    }
  }

  void startLogger() {
    keys_file_ = writeTempFile("keys.txt", "");
    buttons_file_ = writeTempFile("buttons.txt", "");
    std::filesystem::remove(keys_file_ + ".ready");
    xvfb_->spawn({DS_KEY_LOGGER, keys_file_, buttons_file_});
    ASSERT_TRUE(pumpUntil([&] { return std::filesystem::exists(keys_file_ + ".ready"); }));
  }

  bool keyDown(Display* dpy, KeySym sym) {
    char keys[32];
    XQueryKeymap(dpy, keys);
    const KeyCode kc = XKeysymToKeycode(dpy, sym);
    return kc != 0 && (keys[kc / 8] & (1 << (kc % 8))) != 0;
  }

  std::string keys_file_;
  std::string buttons_file_;
};

TEST_F(InputKeyboard, TypesSentenceWithShiftedSymbolsAndAccents) {
  startLogger();
  const std::string sentence =
      "Hello, World! The quick (brown) fox: 3+4=7 & \"ok\" <tag> ~`|\\ {x} [y] é ß É ü ñ ¿ € 日本";
  typeText(sentence);
  EXPECT_TRUE(pumpUntil([&] { return readFile(keys_file_).size() >= sentence.size(); }));
  EXPECT_EQ(readFile(keys_file_), sentence);
  EXPECT_EQ(session_->heldKeyCount(), 0);
}

TEST_F(InputKeyboard, AltGrFromAGermanClientStillTypesTheSymbol) {
  startLogger();
  // Upstream's Guacamole keyboard sends ISO_Level3_Shift (AltGr) before '@', '€', '{'.
  for (uint32_t sym : {0x40u, 0x20acu, 0x7bu}) {
    send("kd,65027");
    send("kd," + std::to_string(sym));
    send("ku," + std::to_string(sym));
    send("ku,65027");
  }
  EXPECT_TRUE(pumpUntil([&] { return readFile(keys_file_).size() >= 5; }));
  EXPECT_EQ(readFile(keys_file_), "@€{");
}

TEST_F(InputKeyboard, ReleasesHeldKeysAndButtonsOnDestruction) {
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  ASSERT_NE(dpy, nullptr);
  send("kd," + std::to_string(kShiftL));
  send("kd,65");  // 'A' with Shift held, as a browser sends it
  send("m,20,20,1,0");
  EXPECT_TRUE(pumpUntil([&] { return keyDown(dpy, XK_Shift_L) && keyDown(dpy, XK_a); }));
  Window root = 0, child = 0;
  int rx = 0, ry = 0, wx = 0, wy = 0;
  unsigned mask = 0;
  XQueryPointer(dpy, DefaultRootWindow(dpy), &root, &child, &rx, &ry, &wx, &wy, &mask);
  EXPECT_NE(mask & Button1Mask, 0u);
  EXPECT_NE(mask & ShiftMask, 0u);
  EXPECT_EQ(session_->heldKeyCount(), 2);

  session_.reset();
  EXPECT_TRUE(pumpUntil([&] { return !keyDown(dpy, XK_Shift_L) && !keyDown(dpy, XK_a); }));
  XQueryPointer(dpy, DefaultRootWindow(dpy), &root, &child, &rx, &ry, &wx, &wy, &mask);
  EXPECT_EQ(mask & (Button1Mask | ShiftMask), 0u);
  XCloseDisplay(dpy);
}

TEST_F(InputKeyboard, KeysHeldByTwoPeersStayDownUntilBothRelease) {
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  auto other = makeSession(true);
  send("kd," + std::to_string(kShiftL));
  other->onMessage("kd," + std::to_string(kShiftL));
  EXPECT_TRUE(pumpUntil([&] { return keyDown(dpy, XK_Shift_L); }));
  session_.reset();
  pump(100);
  EXPECT_TRUE(keyDown(dpy, XK_Shift_L));
  other.reset();
  EXPECT_TRUE(pumpUntil([&] { return !keyDown(dpy, XK_Shift_L); }));
  XCloseDisplay(dpy);
}

TEST_F(InputKeyboard, KeyboardResetReleasesModifiers) {
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  send("kd,65507");  // Control_L
  send("kd,65513");  // Alt_L
  EXPECT_TRUE(pumpUntil([&] { return keyDown(dpy, XK_Control_L); }));
  send("kr");
  EXPECT_TRUE(pumpUntil([&] { return !keyDown(dpy, XK_Control_L) && !keyDown(dpy, XK_Alt_L); }));
  EXPECT_EQ(session_->heldKeyCount(), 0);
  XCloseDisplay(dpy);
}

TEST_F(InputKeyboard, KeysymMappingUsesKeymapThenSpareKeycodes) {
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  auto a = desktop_->pressKey(XK_a);
  ASSERT_TRUE(a.has_value());
  desktop_->releaseKey(*a);
  EXPECT_EQ(*a, XKeysymToKeycode(dpy, XK_a));
  auto eacute = desktop_->pressKey(XK_eacute);
  ASSERT_TRUE(eacute.has_value()) << eacute.error().message;
  desktop_->releaseKey(*eacute);
  desktop_->processEvents();
  XSync(dpy, False);
  int per = 0;
  KeySym* syms = XGetKeyboardMapping(dpy, static_cast<KeyCode>(*eacute), 1, &per);
  EXPECT_EQ(syms[0], static_cast<KeySym>(XK_eacute));
  XFree(syms);
  // The same keysym reuses its binding; a Unicode keysym of a Latin-1 letter is the same key.
  auto again = desktop_->pressKey(0x010000e9);
  ASSERT_TRUE(again.has_value());
  desktop_->releaseKey(*again);
  EXPECT_EQ(*again, *eacute);
  // Closing the Desktop restores the spare keycode.
  session_.reset();
  desktop_.reset();
  XSync(dpy, False);
  syms = XGetKeyboardMapping(dpy, static_cast<KeyCode>(*eacute), 1, &per);
  EXPECT_EQ(syms[0], static_cast<KeySym>(NoSymbol));
  XFree(syms);
  XCloseDisplay(dpy);
}

TEST_F(InputKeyboard, FollowsKeymapChangesMadeByOtherClients) {
  // A layout change in the session (setxkbmap, xmodmap, a layout switcher) reaches the Keyboard:
  // here another client swaps 'a' and 'q' as AZERTY does, and the very next 'a' is pressed on the
  // old 'q' (the change was made before the press reached the server).
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  ASSERT_NE(dpy, nullptr);
  const KeyCode kc_a = XKeysymToKeycode(dpy, XK_a);
  const KeyCode kc_q = XKeysymToKeycode(dpy, XK_q);
  auto before = desktop_->pressKey(XK_a);
  ASSERT_TRUE(before.has_value());
  desktop_->releaseKey(*before);
  EXPECT_EQ(*before, kc_a);
  int per = 0;
  KeySym* a_row = XGetKeyboardMapping(dpy, kc_a, 1, &per);
  KeySym* q_row = XGetKeyboardMapping(dpy, kc_q, 1, &per);
  XChangeKeyboardMapping(dpy, kc_a, per, q_row, 1);
  XChangeKeyboardMapping(dpy, kc_q, per, a_row, 1);
  XSync(dpy, False);
  auto after = desktop_->pressKey(XK_a);
  ASSERT_TRUE(after.has_value());
  desktop_->releaseKey(*after);
  EXPECT_EQ(*after, kc_q);
  XChangeKeyboardMapping(dpy, kc_a, per, a_row, 1);
  XChangeKeyboardMapping(dpy, kc_q, per, q_row, 1);
  XSync(dpy, False);
  XFree(a_row);
  XFree(q_row);
  XCloseDisplay(dpy);
}

TEST_F(InputKeyboard, ViewerInputIsDropped) {
  Display* dpy = XOpenDisplay(xvfb_->display().c_str());
  auto viewer = makeSession(false);
  viewer->onMessage("kd,98");
  viewer->onMessage("vb,100");
  viewer->onMessage("_arg_fps,5");
  viewer->onMessage("ab,32000");
  viewer->onMessage("_arg_resize,true,640x360");
  pump(100);
  EXPECT_FALSE(keyDown(dpy, XK_b));
  EXPECT_EQ(viewer->heldKeyCount(), 0);
  EXPECT_TRUE(controls_.calls.empty()) << "a viewer's settings never reach the encoder";
  XCloseDisplay(dpy);
}

// deskstream's page asks with `_ds_network,1` and learns its role, and again when demoted.
TEST_F(InputKeyboard, RoleMessageToDeskstreamClients) {
  auto viewer = makeSession(false);
  viewer->onOpen(SystemInfo{});
  viewer->onMessage("_ds_network,1");
  ASSERT_EQ(sentOfType("role").size(), 1u);
  EXPECT_EQ(sentOfType("role")[0], R"({"data":{"role":"view"},"type":"role"})");
  viewer.reset();
  sent_.clear();

  session_->onOpen(SystemInfo{});
  session_->demote();
  EXPECT_TRUE(sentOfType("role").empty()) << "only to clients that asked (gst-web never does)";
  session_ = makeSession(true);
  session_->onOpen(SystemInfo{});
  session_->onMessage("_ds_network,1");
  session_->demote();
  const auto roles = sentOfType("role");
  ASSERT_EQ(roles.size(), 2u);
  EXPECT_EQ(roles[0], R"({"data":{"role":"control"},"type":"role"})");
  EXPECT_EQ(roles[1], R"({"data":{"role":"view"},"type":"role"})");
}

// Another peer's change of a setting reaches deskstream's page (its panel shows it), never
// Selkies' client, which would send the value back as its own change.
TEST_F(InputKeyboard, SettingAnnouncementsOnlyToDeskstreamClients) {
  auto viewer = makeSession(false);
  viewer->announceSetting("video_bitrate,2500");
  EXPECT_TRUE(sent_.empty()) << "not before the channel is open";
  viewer->onOpen(SystemInfo{});
  sent_.clear();
  viewer->announceSetting("video_bitrate,2500");
  EXPECT_TRUE(sentOfType("system").empty()) << "gst-web never asked";
  viewer->onMessage("_ds_network,1");
  viewer->announceSetting("framerate,15");
  const auto system = sentOfType("system");
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(system[0], R"({"data":{"action":"framerate,15"},"type":"system"})");
}

}  // namespace
}  // namespace ds::input::test

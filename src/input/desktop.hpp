// Desktop: the one X connection of the input module (XTest injection, XRandR resize, CLIPBOARD
// ownership, XFixes cursor and selection events). One per process, GLib main-loop thread only.
// Destroy every InputSession before the Desktop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "input/protocol.hpp"

// Xlib types, declared here so the header needs no X includes.
struct _XDisplay;  // NOLINT(bugprone-reserved-identifier)
union _XEvent;     // NOLINT(bugprone-reserved-identifier)

namespace ds::input {

// SELKIES_ENABLE_CLIPBOARD false / in (browser → host) / out (host → browser) / true.
enum class ClipboardMode { kOff, kIn, kOut, kBoth };

struct Options {
  std::string display;  // e.g. ":0"; empty = $DISPLAY
  bool resize_enabled = false;
  ClipboardMode clipboard = ClipboardMode::kBoth;
  bool cursors_enabled = true;
  int cursor_size = -1;  // -1 = native size, else cursor PNGs are scaled to this square size
  // SELKIES_DEBUG_CURSORS: log cursor changes and write each new cursor PNG to cursor_dump_dir.
  bool debug_cursors = false;
  std::string cursor_dump_dir = "/tmp";
  // Host → browser clipboard texts whose base64 would exceed this are refused (never truncated):
  // the peer gets a `pipeline` status explaining why. 65400 matches upstream's single-message cap.
  size_t clipboard_max_base64 = 65400;
  // SELKIES_UINPUT_MOUSE_SOCKET: relative motion, buttons 1-3 and the vertical wheel go to this
  // Unix datagram socket as Selkies sends them (uinput_mouse.hpp); XTest while it does not
  // answer. Empty: XTest only.
  std::string uinput_mouse_socket;
};

inline bool clipboardIn(ClipboardMode m) {
  return m == ClipboardMode::kIn || m == ClipboardMode::kBoth;
}
inline bool clipboardOut(ClipboardMode m) {
  return m == ClipboardMode::kOut || m == ClipboardMode::kBoth;
}

namespace detail {
class Keyboard;
class Clipboard;
class CursorWatcher;
}  // namespace detail
class UinputMouse;

class Desktop {
 public:
  // Receives host-side changes. Implemented by InputSession.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onHostClipboard(const std::string& utf8_text) = 0;
    virtual void onHostCursor(const std::string& cursor_json) = 0;
  };

  // Connects to the display, checks XTEST/XFIXES/RANDR, and attaches an fd watch to the default
  // GMainContext that dispatches X events (cursor, selection, RandR, keymap changes).
  static Result<std::unique_ptr<Desktop>> open(const Options& options);
  ~Desktop();
  Desktop(const Desktop&) = delete;
  Desktop& operator=(const Desktop&) = delete;

  const Options& options() const { return options_; }
  bool resizeEnabled() const { return resize_enabled_; }
  void setResizeEnabled(bool enabled) { resize_enabled_ = enabled; }
  Size screenSize() const { return screen_; }

  // Keyboard. pressKey returns the keycode it pressed (possibly a spare keycode remapped to the
  // keysym); releaseKey takes that keycode back. Presses are reference-counted across peers.
  Result<unsigned> pressKey(uint32_t keysym);
  void repeatKey(unsigned keycode);  // auto-repeat press of a key the caller holds
  void releaseKey(unsigned keycode);
  // Releases modifier keys that X reports down but that no peer holds through us.
  void releaseStrayModifiers();

  // Pointer. Absolute positions outside the screen are clamped to the nearest edge. Relative
  // motion and buttons go to the uinput mouse socket when one is set and answers.
  Status movePointer(int x, int y);
  void movePointerBy(int dx, int dy);
  void button(int x_button, bool pressed);  // reference-counted like keys

  // Resizes the X screen with XRandR (creating the mode when missing). Size must already be even.
  Result<Size> resize(Size size);
  // Sets Xft.dpi in the root RESOURCE_MANAGER (as `xrdb -merge` would).
  Status setDpi(int dpi);
  // The browser's scale as DPI (dpiForScale, then setDpi): the `s` message and HELLO's scale.
  Status setScale(double scale);

  // Clipboard: take CLIPBOARD ownership with this text / ask for the host clipboard, which arrives
  // through Listener::onHostClipboard of `reader` (and of all listeners when it changed).
  void setClipboard(std::string utf8_text);
  void requestClipboard(Listener* reader);

  // JSON `cursor` message for the cursor shown now; nullopt when cursors are off or unavailable.
  std::optional<std::string> currentCursorMessage();

  void addListener(Listener* listener);
  void removeListener(Listener* listener);

  // Flushes requests and dispatches every event already queued by Xlib.
  void processEvents();

 private:
  explicit Desktop(const Options& options);
  Status init();
  void dispatch(::_XEvent& event);
  void onClipboardContent(std::string text, bool changed);
  bool isListener(Listener* listener) const;
  void injectButton(int x_button, bool pressed);

  Options options_;
  bool resize_enabled_ = false;
  ::_XDisplay* dpy_ = nullptr;
  unsigned long root_ = 0;
  Size screen_{0, 0};
  int xfixes_event_base_ = 0;
  int randr_event_base_ = 0;
  int xkb_event_base_ = 0;
  unsigned fd_source_ = 0;
  std::unique_ptr<detail::Keyboard> keyboard_;
  std::unique_ptr<detail::Clipboard> clipboard_;
  std::unique_ptr<detail::CursorWatcher> cursor_;
  std::vector<int> button_holds_;
  std::unique_ptr<UinputMouse> uinput_;
  std::vector<bool> pressed_via_uinput_;  // per X button: its press went to the uinput socket
  std::vector<Listener*> listeners_;
  std::vector<Listener*> clipboard_readers_;
  std::optional<std::string> last_host_clipboard_;
};

}  // namespace ds::input

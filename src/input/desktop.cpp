#include "input/desktop.hpp"

#include <glib-unix.h>
#include <glib.h>

#include <algorithm>
#include <exception>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "input/detail/clipboard.hpp"
#include "input/detail/cursor.hpp"
#include "input/detail/keyboard.hpp"
#include "input/detail/x_error.hpp"
#include "input/detail/xlib.hpp"
#include "input/uinput_mouse.hpp"

namespace ds::input {
namespace {

constexpr int kMaxButton = 7;

gboolean onXReadable(gint /*fd*/, GIOCondition /*condition*/, gpointer self) {
  try {
    static_cast<Desktop*>(self)->processEvents();
  } catch (const std::exception& e) {  // nothing may unwind into GLib
    log::error("input", std::string("X event handling failed: ") + e.what());
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

Desktop::Desktop(const Options& options)
    : options_(options),
      resize_enabled_(options.resize_enabled),
      button_holds_(kMaxButton + 1),
      pressed_via_uinput_(kMaxButton + 1, false) {}

Result<std::unique_ptr<Desktop>> Desktop::open(const Options& options) {
  std::unique_ptr<Desktop> desktop(new Desktop(options));
  if (auto status = desktop->init(); !status) return fail(status.error().message);
  return desktop;
}

Status Desktop::init() {
  detail::installErrorHandler();
  dpy_ = XOpenDisplay(options_.display.empty() ? nullptr : options_.display.c_str());
  if (dpy_ == nullptr) return fail("cannot open X display '" + options_.display + "'");
  int event_base = 0;
  int error_base = 0;
  int major = 0;
  int minor = 0;
  if (!XTestQueryExtension(dpy_, &event_base, &error_base, &major, &minor)) {
    return fail("X server has no XTEST extension");
  }
  if (!XFixesQueryExtension(dpy_, &xfixes_event_base_, &error_base)) {
    return fail("X server has no XFIXES extension");
  }
  major = 5;
  minor = 0;
  XFixesQueryVersion(dpy_, &major, &minor);
  if (!XRRQueryExtension(dpy_, &randr_event_base_, &error_base)) {
    return fail("X server has no RANDR extension");
  }
  int xkb_opcode = 0;
  major = XkbMajorVersion;
  minor = XkbMinorVersion;
  if (!XkbQueryExtension(dpy_, &xkb_opcode, &xkb_event_base_, &error_base, &major, &minor)) {
    return fail("X server has no XKEYBOARD extension");
  }
  XTestGrabControl(dpy_, True);  // keep injecting while another client grabs the server
  root_ = DefaultRootWindow(dpy_);
  screen_ = {DisplayWidth(dpy_, DefaultScreen(dpy_)), DisplayHeight(dpy_, DefaultScreen(dpy_))};
  XRRSelectInput(dpy_, root_, RRScreenChangeNotifyMask);
  keyboard_ = std::make_unique<detail::Keyboard>(dpy_, xkb_event_base_);
  if (options_.clipboard != ClipboardMode::kOff) {
    clipboard_ =
        std::make_unique<detail::Clipboard>(dpy_, root_, [this](std::optional<std::string> text) {
          if (text) {
            onClipboardContent(std::move(*text), true);
          } else {
            clipboard_readers_.clear();
          }
        });
  }
  if (options_.cursors_enabled) {
    cursor_ = std::make_unique<detail::CursorWatcher>(
        dpy_, root_, options_.cursor_size,
        detail::CursorDebug{options_.debug_cursors, options_.cursor_dump_dir});
  }
  XFlush(dpy_);
  fd_source_ = g_unix_fd_add(ConnectionNumber(dpy_), G_IO_IN, &onXReadable, this);
  log::info("input", "X display " + std::string(DisplayString(dpy_)) + " " +
                         std::to_string(screen_.width) + "x" + std::to_string(screen_.height) +
                         ", " + std::to_string(keyboard_->spareCount()) + " spare keycodes");
  if (!options_.uinput_mouse_socket.empty()) {
    uinput_ = std::make_unique<UinputMouse>(options_.uinput_mouse_socket);
  }
  return {};
}

Desktop::~Desktop() {
  if (fd_source_ != 0) g_source_remove(fd_source_);
  if (dpy_ == nullptr) return;
  for (int b = 1; b <= kMaxButton; ++b) {
    if (button_holds_[b] > 0) injectButton(b, false);
  }
  clipboard_.reset();
  cursor_.reset();
  keyboard_.reset();  // releases held keys and restores spare keycodes
  XCloseDisplay(dpy_);
}

void Desktop::processEvents() {
  // XPending flushes the output buffer and reads whatever the socket holds.
  while (XPending(dpy_) > 0) {
    XEvent event;
    XNextEvent(dpy_, &event);
    dispatch(event);
  }
}

void Desktop::dispatch(XEvent& event) {
  if (event.type == xfixes_event_base_ + XFixesCursorNotify) {
    const auto& e = reinterpret_cast<const XFixesCursorNotifyEvent&>(event);
    if (!cursor_) return;
    if (auto json = cursor_->onCursorNotify(e.cursor_serial)) {
      const auto listeners = listeners_;
      for (Listener* l : listeners) {
        if (isListener(l)) l->onHostCursor(*json);  // a callback may have removed it
      }
    }
    return;
  }
  if (event.type == randr_event_base_ + RRScreenChangeNotify) {
    XRRUpdateConfiguration(&event);
    const auto& e = reinterpret_cast<const XRRScreenChangeNotifyEvent&>(event);
    const bool rotated = (e.rotation & (RR_Rotate_90 | RR_Rotate_270)) != 0;
    screen_ = rotated ? Size{e.height, e.width} : Size{e.width, e.height};
    return;
  }
  if (keyboard_->noteEvent(event)) return;  // the keymap is re-read before the next key press
  if (clipboard_ && clipboard_->handle(event, xfixes_event_base_)) return;
}

Result<unsigned> Desktop::pressKey(uint32_t keysym) { return keyboard_->press(keysym); }
void Desktop::repeatKey(unsigned keycode) { keyboard_->repeat(keycode); }
void Desktop::releaseKey(unsigned keycode) { keyboard_->release(keycode); }
void Desktop::releaseStrayModifiers() { keyboard_->releaseStrayModifiers(); }

Status Desktop::movePointer(int x, int y) {
  if (screen_.width <= 0 || screen_.height <= 0) return fail("the screen size is not known");
  // Outside the screen: the nearest edge, as X itself does with a warp (gst-web sends x = width
  // and y = height on the last column and row).
  XTestFakeMotionEvent(dpy_, DefaultScreen(dpy_), std::clamp(x, 0, screen_.width - 1),
                       std::clamp(y, 0, screen_.height - 1), 0);
  return {};
}

void Desktop::movePointerBy(int dx, int dy) {
  // As Selkies: REL_X (its sync deferred) then REL_Y, for every relative message, even 0,0.
  if (uinput_ && uinput_->send({{kEvRel, kRelX, dx, false}, {kEvRel, kRelY, dy}})) return;
  if (dx != 0 || dy != 0) XTestFakeRelativeMotionEvent(dpy_, dx, dy, 0);
}

void Desktop::button(int x_button, bool pressed) {
  if (x_button < 1 || x_button > kMaxButton) return;
  int& holds = button_holds_[x_button];
  const bool wheel = x_button >= 4;
  if (pressed) {
    if (wheel || holds++ == 0) injectButton(x_button, true);
  } else if (wheel || (holds > 0 && --holds == 0)) {
    injectButton(x_button, false);
  }
}

// Selkies' uinput events: BTN_LEFT/MIDDLE/RIGHT 1 and 0; one REL_WHEEL per wheel click, +1 for
// mask bit 3 (X button 5 through XTest) and -1 for bit 4 (button 4). The horizontal wheel (X
// buttons 6, 7; Selkies has none) stays on XTest. A release goes where its press went.
void Desktop::injectButton(int x_button, bool pressed) {
  if (!pressed && pressed_via_uinput_[x_button]) {
    pressed_via_uinput_[x_button] = false;
    static constexpr int kBtnCode[] = {0, kBtnLeft, kBtnMiddle, kBtnRight};
    if (x_button <= 3) uinput_->send({{kEvKey, kBtnCode[x_button], 0}});
    return;  // a wheel click was one REL_WHEEL event: nothing to release
  }
  if (pressed && uinput_ && x_button <= 5) {
    XFlush(dpy_);  // a pointer move sent before this press reaches X first
    static constexpr UinputEvent kPress[] = {{kEvKey, kBtnLeft, 1},
                                             {kEvKey, kBtnMiddle, 1},
                                             {kEvKey, kBtnRight, 1},
                                             {kEvRel, kRelWheel, -1},
                                             {kEvRel, kRelWheel, 1}};
    if (uinput_->send({kPress[x_button - 1]})) {
      pressed_via_uinput_[x_button] = true;
      return;
    }
  }
  XTestFakeButtonEvent(dpy_, static_cast<unsigned>(x_button), pressed ? True : False, 0);
}

Status Desktop::setScale(double scale) {
  auto dpi = dpiForScale(scale);
  if (!dpi) return fail(dpi.error().message);
  return setDpi(*dpi);
}

Status Desktop::setDpi(int dpi) {
  Atom resource_manager = XInternAtom(dpy_, "RESOURCE_MANAGER", False);
  Atom type = None;
  int format = 0;
  unsigned long count = 0;
  unsigned long remaining = 0;
  unsigned char* data = nullptr;
  XGetWindowProperty(dpy_, root_, resource_manager, 0, 1 << 20, False, XA_STRING, &type, &format,
                     &count, &remaining, &data);
  std::string current;
  if (data != nullptr && format == 8) current.assign(reinterpret_cast<char*>(data), count);
  if (data != nullptr) XFree(data);
  std::string updated;
  for (auto line : split(current, '\n')) {
    if (line.empty() || line.substr(0, 8) == "Xft.dpi:") continue;
    updated.append(line).push_back('\n');
  }
  updated += "Xft.dpi:\t" + std::to_string(dpi) + "\n";
  detail::ErrorTrap trap(dpy_);
  XChangeProperty(dpy_, root_, resource_manager, XA_STRING, 8, PropModeReplace,
                  reinterpret_cast<const unsigned char*>(updated.data()),
                  static_cast<int>(updated.size()));
  if (trap.check() != 0) return fail("cannot write RESOURCE_MANAGER");
  return {};
}

void Desktop::setClipboard(std::string utf8_text) {
  if (!clipboard_) return;
  last_host_clipboard_ = utf8_text;  // do not echo it back to the browsers
  if (!clipboard_->set(std::move(utf8_text))) log::warn("input", "could not own CLIPBOARD");
  XFlush(dpy_);
}

void Desktop::requestClipboard(Listener* reader) {
  if (!clipboard_) return;
  if (clipboard_->owned()) {
    reader->onHostClipboard(*clipboard_->owned());
    return;
  }
  if (std::find(clipboard_readers_.begin(), clipboard_readers_.end(), reader) ==
      clipboard_readers_.end()) {
    clipboard_readers_.push_back(reader);
  }
  clipboard_->request();
}

void Desktop::onClipboardContent(std::string text, bool /*changed*/) {
  auto readers = std::move(clipboard_readers_);
  clipboard_readers_.clear();
  if (text != last_host_clipboard_) {  // a host-side change: everyone gets it
    last_host_clipboard_ = text;
    readers = listeners_;
  }
  for (Listener* l : readers) {
    if (isListener(l)) l->onHostClipboard(text);
  }
}

std::optional<std::string> Desktop::currentCursorMessage() {
  if (!cursor_) return std::nullopt;
  return cursor_->current();
}

bool Desktop::isListener(Listener* listener) const {
  return std::find(listeners_.begin(), listeners_.end(), listener) != listeners_.end();
}

void Desktop::addListener(Listener* listener) { listeners_.push_back(listener); }

void Desktop::removeListener(Listener* listener) {
  std::erase(listeners_, listener);
  std::erase(clipboard_readers_, listener);
}

}  // namespace ds::input

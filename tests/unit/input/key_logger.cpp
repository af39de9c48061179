// Test X client: a focused window that appends the UTF-8 text of every KeyPress (via an input
// context and Xutf8LookupString) to argv[1] and "B<n>\n" for every ButtonPress to argv[2].
// Touches argv[1].ready once it has the focus. With argv[3] == "cursor" the window also gets a
// 16x16 bitmap cursor with hotspot (3,5): cursors of clients that have exited cannot be read
// through XFixes on Debian 12's X servers (BadAccess), so the test's cursor must stay owned.
//
// Keymap: like GTK and Qt, the logger selects XKB keymap notifications and reads the keymap before
// it reports ready, then refreshes it on each notification. Plain Xlib does neither until the
// first key lookup (XOpenDisplay initializes XKB, which stops core MappingNotify, and the first
// lookup reads the keymap and only then selects XkbMapNotify): a spare keycode bound by the
// desktop between those two requests is never reported and its key would log nothing.
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <clocale>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (std::setlocale(LC_ALL, "C.UTF-8") == nullptr || !XSupportsLocale()) {
    std::fprintf(stderr, "C.UTF-8 locale not supported by Xlib\n");
  }
  XSetLocaleModifiers("@im=none");
  Display* dpy = XOpenDisplay(nullptr);
  if (dpy == nullptr) return 1;
  int xkb_event = 0;
  if (!XkbQueryExtension(dpy, nullptr, &xkb_event, nullptr, nullptr, nullptr)) return 1;
  const unsigned keymap_events = XkbNewKeyboardNotifyMask | XkbMapNotifyMask;
  XkbSelectEvents(dpy, XkbUseCoreKbd, keymap_events, keymap_events);
  // Reads Xlib's keymap now, after the selection, rather than at the first KeyPress.
  int min_keycode = 0;
  int max_keycode = 0;
  XDisplayKeycodes(dpy, &min_keycode, &max_keycode);
  XkbKeycodeToKeysym(dpy, static_cast<KeyCode>(min_keycode), 0, 0);
  const int screen = DefaultScreen(dpy);
  Window win = XCreateSimpleWindow(dpy, RootWindow(dpy, screen), 0, 0, 640, 400, 0,
                                   BlackPixel(dpy, screen), WhitePixel(dpy, screen));
  XSelectInput(dpy, win, KeyPressMask | ButtonPressMask | StructureNotifyMask);
  if (argc > 3 && std::string(argv[3]) == "cursor") {
    Pixmap bits = XCreatePixmap(dpy, win, 16, 16, 1);
    GC gc = XCreateGC(dpy, bits, 0, nullptr);
    XSetForeground(dpy, gc, 1);
    XFillRectangle(dpy, bits, gc, 0, 0, 16, 16);
    XColor black{};
    XColor white{};
    white.red = white.green = white.blue = 0xffff;
    XDefineCursor(dpy, win, XCreatePixmapCursor(dpy, bits, bits, &black, &white, 3, 5));
  }
  XMapWindow(dpy, win);
  XEvent event;
  do {
    XNextEvent(dpy, &event);
  } while (event.type != MapNotify);
  XSetInputFocus(dpy, win, RevertToParent, CurrentTime);
  XIM im = XOpenIM(dpy, nullptr, nullptr, nullptr);
  XIC ic = im == nullptr ? nullptr
                         : XCreateIC(im, XNInputStyle, XIMPreeditNothing | XIMStatusNothing,
                                     XNClientWindow, win, XNFocusWindow, win, nullptr);
  XSync(dpy, False);
  std::FILE* keys = std::fopen(argv[1], "wb");
  std::FILE* buttons = std::fopen(argv[2], "wb");
  std::fclose(std::fopen((std::string(argv[1]) + ".ready").c_str(), "wb"));
  for (;;) {
    XNextEvent(dpy, &event);
    if (event.type == xkb_event) {
      auto& xkb = reinterpret_cast<XkbEvent&>(event);
      if (xkb.any.xkb_type == XkbMapNotify || xkb.any.xkb_type == XkbNewKeyboardNotify) {
        XkbRefreshKeyboardMapping(&xkb.map);
      }
      continue;
    }
    if (XFilterEvent(&event, None)) continue;
    if (event.type == MappingNotify) {
      XRefreshKeyboardMapping(&event.xmapping);
    } else if (event.type == KeyPress) {
      char buf[64];
      KeySym sym = NoSymbol;
      int n = 0;
      if (ic != nullptr) {
        Status status = 0;
        n = Xutf8LookupString(ic, &event.xkey, buf, sizeof buf, &sym, &status);
        if (status != XLookupChars && status != XLookupBoth) n = 0;
      } else {
        n = XLookupString(&event.xkey, buf, sizeof buf, &sym, nullptr);
      }
      if (n > 0) {
        std::fwrite(buf, 1, static_cast<size_t>(n), keys);
        std::fflush(keys);
      }
    } else if (event.type == ButtonPress) {
      std::fprintf(buttons, "B%u\n", event.xbutton.button);
      std::fflush(buttons);
    }
  }
}

// Test X client: a focused window that appends the UTF-8 text of every KeyPress (via an input
// context and Xutf8LookupString) to argv[1] and "B<n>\n" for every ButtonPress to argv[2].
// Touches argv[1].ready once it has the focus. With argv[3] == "cursor" the window also gets a
// 16x16 bitmap cursor with hotspot (3,5): cursors of clients that have exited cannot be read
// through XFixes on Debian 12's X servers (BadAccess), so the test's cursor must stay owned.
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (std::setlocale(LC_ALL, "C.UTF-8") == nullptr || !XSupportsLocale()) {
    std::fprintf(stderr, "C.UTF-8 locale not supported by Xlib\n");
  }
  XSetLocaleModifiers("@im=none");
  Display* dpy = XOpenDisplay(nullptr);
  if (dpy == nullptr) return 1;
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
    if (XFilterEvent(&event, None)) continue;
    if (event.type == MappingNotify) {
      if (std::getenv("DS_LOGGER_DEBUG") != nullptr) std::fprintf(stderr, "logger: mapping\n");
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
      if (std::getenv("DS_LOGGER_DEBUG") != nullptr) {
        XkbDescPtr fresh = XkbGetMap(dpy, XkbAllClientInfoMask, XkbUseCoreKbd);
        KeySym server_sym = XkbKeySymsPtr(fresh, event.xkey.keycode)[0];
        int per = 0;
        KeySym* core = XGetKeyboardMapping(dpy, event.xkey.keycode, 1, &per);
        std::fprintf(stderr,
                     "logger: keycode %u state %x keysym %lx n %d cached %lx xkb %lx core %lx\n",
                     event.xkey.keycode, event.xkey.state, sym, n,
                     XkbKeycodeToKeysym(dpy, event.xkey.keycode, 0, 0), server_sym, core[0]);
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

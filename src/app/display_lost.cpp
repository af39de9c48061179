#include "app/display_lost.hpp"

#include <X11/Xlib.h>
#undef Status
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "core/log.hpp"

namespace ds::app {
namespace {

// Xlib calls this on the thread whose request or reply found the connection dead. It must not
// return (Xlib would exit with status 1), and it must not run destructors or atexit handlers
// while GStreamer's threads still stream: one line, then _exit.
int onDisplayLost(Display* dpy) {
  static std::atomic<bool> reported{false};  // Xlib's handler takes no user data
  if (!reported.exchange(true)) {
    const char* name = dpy != nullptr ? DisplayString(dpy) : "?";
    log::error("app", std::string("X display ") + (name != nullptr ? name : "?") +
                          " is gone (connection to the X server lost); exiting with status " +
                          std::to_string(kExitDisplayLost) +
                          " so that deskstream is started again when X is back");
    std::fflush(stderr);
    std::fflush(stdout);
    _exit(kExitDisplayLost);
  }
  for (;;) pause();  // another thread saw it first and is exiting
}

}  // namespace

void exitWhenDisplayLost() { XSetIOErrorHandler(&onDisplayLost); }

}  // namespace ds::app

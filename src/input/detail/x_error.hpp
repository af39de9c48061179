// Non-fatal X error handling. Xlib's default handler exits the process; Desktop::open installs
// this one (process-wide by Xlib's design: the only global state of the module), and ErrorTrap
// turns errors of a block of requests into a return value.
#pragma once

#include "input/detail/xlib.hpp"

namespace ds::input::detail {

void installErrorHandler();

class ErrorTrap {
 public:
  explicit ErrorTrap(Display* dpy) : dpy_(dpy), start_(NextRequest(dpy)) {}
  // Syncs and returns the X error code of a request issued since construction, 0 if none.
  int check();

 private:
  Display* dpy_;
  unsigned long start_;
};

}  // namespace ds::input::detail

#include "input/detail/x_error.hpp"

#include <atomic>
#include <string>

#include "core/log.hpp"

namespace ds::input::detail {
namespace {

struct LastError {
  std::atomic<unsigned long> serial{0};
  std::atomic<int> code{0};
};

LastError& lastError() {
  static LastError state;  // written by the Xlib error callback, which has no user data
  return state;
}

int onXError(Display* /*dpy*/, XErrorEvent* event) {
  lastError().code.store(event->error_code);
  lastError().serial.store(event->serial);
  if (log::enabled(log::Level::kDebug)) {
    log::debug("input", "X error " + std::to_string(event->error_code) + " on request " +
                            std::to_string(event->request_code) + "." +
                            std::to_string(event->minor_code));
  }
  return 0;
}

}  // namespace

void installErrorHandler() { XSetErrorHandler(&onXError); }

int ErrorTrap::check() {
  XSync(dpy_, False);
  if (lastError().serial.load() >= start_) {
    const int code = lastError().code.load();
    lastError().serial.store(0);
    return code;
  }
  return 0;
}

}  // namespace ds::input::detail

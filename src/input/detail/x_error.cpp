#include "input/detail/x_error.hpp"

#include <array>
#include <mutex>
#include <string>

#include "core/log.hpp"

namespace ds::input::detail {
namespace {

// The last error per X connection. Other connections of the process (ximagesrc's, the damage
// watch's) report to the same process-wide handler with serials of their own, so an error is
// only ever matched against requests of the connection it came from.
struct Record {
  Display* dpy = nullptr;
  unsigned long serial = 0;
  int code = 0;
};

struct LastErrors {
  std::mutex mutex;
  std::array<Record, 8> records;  // bounded: one per connection, the oldest slot reused
  size_t next = 0;
};

LastErrors& lastErrors() {
  static LastErrors state;  // written by the Xlib error callback, which has no user data
  return state;
}

int onXError(Display* dpy, XErrorEvent* event) {
  auto& errors = lastErrors();
  {
    std::lock_guard lock(errors.mutex);
    Record* slot = nullptr;
    for (auto& r : errors.records) {
      if (r.dpy == dpy) slot = &r;
    }
    if (slot == nullptr) {
      slot = &errors.records[errors.next];
      errors.next = (errors.next + 1) % errors.records.size();
    }
    *slot = Record{dpy, event->serial, event->error_code};
  }
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
  auto& errors = lastErrors();
  std::lock_guard lock(errors.mutex);
  for (auto& r : errors.records) {
    if (r.dpy != dpy_ || r.serial < start_) continue;
    const int code = r.code;
    r = Record{};
    return code;
  }
  return 0;
}

}  // namespace ds::input::detail

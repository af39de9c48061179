#include "media/damage_watch.hpp"

#include <X11/Xlib.h>
#include <X11/extensions/Xdamage.h>

namespace ds::media {

struct DamageWatch::X {
  Display* dpy = nullptr;
  Damage damage = 0;
  int event_base = 0;
};

Result<std::unique_ptr<DamageWatch>> DamageWatch::open(const std::string& display) {
  auto x = std::make_unique<X>();
  x->dpy = XOpenDisplay(display.c_str());
  if (x->dpy == nullptr) return fail("cannot open X display " + display + " for DAMAGE");
  int error_base = 0;
  if (XDamageQueryExtension(x->dpy, &x->event_base, &error_base) == 0) {
    XCloseDisplay(x->dpy);
    return fail("X display " + display + " has no DAMAGE extension");
  }
  // NonEmpty: one event when the damage region stops being empty; subtracting re-arms it. The
  // root window's damage includes what its children draw (no compositing here).
  x->damage = XDamageCreate(x->dpy, DefaultRootWindow(x->dpy), XDamageReportNonEmpty);
  XSync(x->dpy, False);
  return std::unique_ptr<DamageWatch>(new DamageWatch(std::move(x)));
}

DamageWatch::DamageWatch(std::unique_ptr<X> x) : x_(std::move(x)) {}

DamageWatch::~DamageWatch() {
  if (x_->damage != 0) XDamageDestroy(x_->dpy, x_->damage);
  XCloseDisplay(x_->dpy);
}

bool DamageWatch::changed() {
  bool damaged = std::exchange(first_, false);
  // XPending flushes and reads what the server has sent so far.
  while (XPending(x_->dpy) > 0) {
    XEvent ev;
    XNextEvent(x_->dpy, &ev);
    if (ev.type == x_->event_base + XDamageNotify) damaged = true;
  }
  if (damaged) {
    XDamageSubtract(x_->dpy, x_->damage, None, None);
    XFlush(x_->dpy);
  }
  return damaged;
}

}  // namespace ds::media

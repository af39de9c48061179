// Desktop::resize: XRandR screen resize that also works on Xvfb, which has one output ("screen")
// and accepts new modes (RRCreateMode + RRAddOutputMode) up to the size it was started with.
#include <cstring>
#include <string>

#include "core/log.hpp"
#include "input/desktop.hpp"
#include "input/detail/x_error.hpp"
#include "input/detail/xlib.hpp"

namespace ds::input {
namespace {

struct Resources {
  explicit Resources(Display* dpy, Window root) : res(XRRGetScreenResources(dpy, root)) {}
  ~Resources() {
    if (res != nullptr) XRRFreeScreenResources(res);
  }
  Resources(const Resources&) = delete;
  Resources& operator=(const Resources&) = delete;
  XRRScreenResources* res;
};

// The output to drive: the primary one if connected, else the first connected with a CRTC.
RROutput pickOutput(Display* dpy, Window root, XRRScreenResources* res, RRCrtc* crtc) {
  const RROutput primary = XRRGetOutputPrimary(dpy, root);
  RROutput chosen = 0;
  for (int i = 0; i < res->noutput; ++i) {
    XRROutputInfo* info = XRRGetOutputInfo(dpy, res, res->outputs[i]);
    if (info == nullptr) continue;
    const bool usable = info->connection == RR_Connected && info->crtc != 0;
    if (usable && (chosen == 0 || res->outputs[i] == primary)) {
      chosen = res->outputs[i];
      *crtc = info->crtc;
    }
    XRRFreeOutputInfo(info);
  }
  return chosen;
}

RRMode findMode(Display* dpy, XRRScreenResources* res, RROutput output, Size size, bool* listed) {
  XRROutputInfo* info = XRRGetOutputInfo(dpy, res, output);
  RRMode found = 0;
  for (int i = 0; i < res->nmode && found == 0; ++i) {
    const XRRModeInfo& m = res->modes[i];
    if (static_cast<int>(m.width) != size.width || static_cast<int>(m.height) != size.height) {
      continue;
    }
    found = m.id;
    *listed = false;
    for (int k = 0; info != nullptr && k < info->nmode; ++k) *listed |= info->modes[k] == m.id;
  }
  if (info != nullptr) XRRFreeOutputInfo(info);
  return found;
}

}  // namespace

Result<Size> Desktop::resize(Size size) {
  int min_w = 0;
  int min_h = 0;
  int max_w = 0;
  int max_h = 0;
  XRRGetScreenSizeRange(dpy_, root_, &min_w, &min_h, &max_w, &max_h);
  if (size.width < min_w || size.height < min_h || size.width > max_w || size.height > max_h) {
    return fail("size " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                " is outside the X screen's range " + std::to_string(min_w) + "x" +
                std::to_string(min_h) + ".." + std::to_string(max_w) + "x" + std::to_string(max_h));
  }
  if (size == screen_) return size;
  Resources resources(dpy_, root_);
  if (resources.res == nullptr) return fail("XRRGetScreenResources failed");
  RRCrtc crtc = 0;
  const RROutput output = pickOutput(dpy_, root_, resources.res, &crtc);
  if (output == 0) return fail("no connected XRandR output");
  XRRCrtcInfo* crtc_info = XRRGetCrtcInfo(dpy_, resources.res, crtc);
  if (crtc_info == nullptr) return fail("XRRGetCrtcInfo failed");

  detail::ErrorTrap trap(dpy_);
  bool listed = false;
  RRMode mode = findMode(dpy_, resources.res, output, size, &listed);
  if (mode == 0) {
    const std::string name = std::to_string(size.width) + "x" + std::to_string(size.height);
    XRRModeInfo info{};
    info.width = static_cast<unsigned>(size.width);
    info.height = static_cast<unsigned>(size.height);
    info.hSyncStart = info.hSyncEnd = info.hTotal = info.width;
    info.vSyncStart = info.vSyncEnd = info.vTotal = info.height;
    info.dotClock = static_cast<unsigned long>(size.width) * size.height * 60;  // 60 Hz
    info.name = const_cast<char*>(name.c_str());
    info.nameLength = static_cast<unsigned>(name.size());
    mode = XRRCreateMode(dpy_, root_, &info);
  }
  if (!listed) XRRAddOutputMode(dpy_, output, mode);
  if (trap.check() != 0 || mode == 0) {
    XRRFreeCrtcInfo(crtc_info);
    return fail("the X server refused a " + std::to_string(size.width) + "x" +
                std::to_string(size.height) + " mode");
  }
  // The screen must contain the CRTC at every step: grow it first, shrink it last.
  const int mm_per_inch_x10 = 254;
  auto set_screen = [&](int w, int h) {
    XRRSetScreenSize(dpy_, root_, w, h, w * mm_per_inch_x10 / 960, h * mm_per_inch_x10 / 960);
  };
  XGrabServer(dpy_);
  const int grow_w = std::max(size.width, screen_.width);
  const int grow_h = std::max(size.height, screen_.height);
  if (grow_w != screen_.width || grow_h != screen_.height) set_screen(grow_w, grow_h);
  RROutput outputs[] = {output};
  const int status = XRRSetCrtcConfig(dpy_, resources.res, crtc, CurrentTime, crtc_info->x,
                                      crtc_info->y, mode, crtc_info->rotation, outputs, 1);
  const bool crtc_ok = status == RRSetConfigSuccess;
  if (crtc_ok) set_screen(size.width, size.height);
  XUngrabServer(dpy_);
  XRRFreeCrtcInfo(crtc_info);
  const int error = trap.check();
  if (!crtc_ok || error != 0) {
    return fail("XRandR resize to " + std::to_string(size.width) + "x" +
                std::to_string(size.height) + " failed (X error " + std::to_string(error) + ")");
  }
  screen_ = size;
  log::info("input",
            "screen resized to " + std::to_string(size.width) + "x" + std::to_string(size.height));
  return size;
}

}  // namespace ds::input

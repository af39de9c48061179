// Change detection for the static-screen gate (frame_gate.hpp) through the X DAMAGE extension:
// the X server tells us when anything was drawn on the screen, so an unchanged frame is known
// without reading a byte of it (no memcmp, no copy of the previous frame). Only a detector: the
// capture stays ximagesrc's full-frame XShm grab (Selkies sets use-damage=0 too: ximagesrc's own
// use-damage partial updates are what breaks H.264).
//
// Thread use: created and destroyed on the main thread; changed() is called from the capture
// thread only, while the pipeline runs. It owns its own X connection.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"

namespace ds::media {

class DamageWatch {
 public:
  // Fails when the display cannot be opened or has no DAMAGE extension.
  static Result<std::unique_ptr<DamageWatch>> open(const std::string& display);
  ~DamageWatch();
  DamageWatch(const DamageWatch&) = delete;
  DamageWatch& operator=(const DamageWatch&) = delete;

  // True when something was drawn since the previous call (the first call returns true).
  // A drawing that lands between a capture and this call is reported for the frame before it;
  // the gate's settle frames pass the next frame too, so such a change is never lost.
  bool changed();

 private:
  struct X;
  explicit DamageWatch(std::unique_ptr<X> x);
  std::unique_ptr<X> x_;
  bool first_ = true;
};

}  // namespace ds::media

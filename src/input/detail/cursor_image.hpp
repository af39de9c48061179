// Cursor images without X: XFixes ARGB (premultiplied) → optional square scaling → PNG (libpng)
// → the JSON `cursor` message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace ds::input::detail {

struct CursorImage {
  int width = 0;
  int height = 0;
  int xhot = 0;
  int yhot = 0;
  uint64_t serial = 0;
  std::vector<uint32_t> argb;  // premultiplied alpha, as XFixesGetCursorImage returns it
};

// Straight-alpha RGBA rows → PNG file bytes.
Result<std::string> encodePng(const std::vector<uint8_t>& rgba, int width, int height);
// Bilinear scaling of the premultiplied image to size×size; the hotspot is scaled too.
CursorImage scaleCursor(const CursorImage& image, int size);
// The PNG of a cursor as sent to the browser (scaled to cursor_size when > 0), with what the
// `cursor` message needs besides it.
struct CursorPng {
  std::string png;
  bool transparent = false;
  int xhot = 0;
  int yhot = 0;
  uint64_t serial = 0;
};
Result<CursorPng> cursorPng(const CursorImage& image, int cursor_size);
// The JSON `cursor` message; cursor_size <= 0 keeps the native size.
Result<std::string> cursorJson(const CursorImage& image, int cursor_size);

}  // namespace ds::input::detail

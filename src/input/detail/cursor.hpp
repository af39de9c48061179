// Watches XFixes cursor changes and turns them into `cursor` messages cached by cursor serial.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "input/detail/cursor_image.hpp"
#include "input/detail/xlib.hpp"

namespace ds::input::detail {

// SELKIES_DEBUG_CURSORS: log every cursor change and write each new cursor's PNG (as sent) to
// <dump_dir>/cursor_<serial>.png, at most kMaxCursorDumps files per watcher.
struct CursorDebug {
  bool enabled = false;
  std::string dump_dir = "/tmp";
};
inline constexpr int kMaxCursorDumps = 256;

class CursorWatcher {
 public:
  // Selects XFixesDisplayCursorNotify on root.
  CursorWatcher(Display* dpy, Window root, int cursor_size, CursorDebug debug = {});
  // JSON for the cursor shown now (from the cache when its serial is known).
  std::optional<std::string> current();
  // JSON for a DisplayCursorNotify event's cursor.
  std::optional<std::string> onCursorNotify(uint64_t serial);

 private:
  std::optional<std::string> fetch(std::optional<uint64_t> expected_serial);
  void dump(const CursorPng& png);

  Display* dpy_;
  int cursor_size_;
  CursorDebug debug_;
  int dumps_ = 0;
  std::list<std::pair<uint64_t, std::string>> cache_;  // most recent first
};

}  // namespace ds::input::detail

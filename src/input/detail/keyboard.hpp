// XTest keyboard injection from keysyms. A keysym is pressed on a keycode that produces it at the
// level matching the current Shift/NumLock state; when there is none (a symbol missing from the
// server keymap, or one at the other level), a spare keycode (one with no keysyms) is bound to it,
// as xdotool does. Bindings stay until the spare is needed for another keysym (least recently
// used first) or the Keyboard is destroyed, which restores the spares to NoSymbol; keeping them
// avoids racing clients that fetch the new keymap after the key event.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "input/detail/xlib.hpp"

namespace ds::input::detail {

class Keyboard {
 public:
  explicit Keyboard(Display* dpy);
  ~Keyboard();
  Keyboard(const Keyboard&) = delete;
  Keyboard& operator=(const Keyboard&) = delete;

  // Presses the key for `keysym`; returns the keycode to pass to release().
  Result<unsigned> press(uint32_t keysym);
  // A further press of a held key (auto-repeat); does not add a hold.
  void repeat(unsigned keycode);
  void release(unsigned keycode);
  // Releases modifier keycodes that the server reports down and that we do not hold.
  void releaseStrayModifiers();
  // Call on MappingNotify (keyboard) and XkbMapNotify.
  void reload();

  int spareCount() const { return static_cast<int>(spares_.size()); }

 private:
  struct Candidate {
    unsigned keycode;
    int level;  // 0 or 1 in group 1
  };
  struct Binding {
    KeySym keysym = NoSymbol;
    uint64_t last_use = 0;
  };
  Result<unsigned> bindSpare(KeySym keysym);
  bool setKeySym(unsigned keycode, KeySym keysym);
  bool levelOk(KeySym keysym, const Candidate& c, unsigned mods) const;

  Display* dpy_;
  int min_keycode_ = 8;
  int max_keycode_ = 255;
  std::vector<KeySym> level0_;  // indexed by keycode
  std::vector<KeySym> level1_;
  std::unordered_map<KeySym, std::vector<Candidate>> index_;
  std::vector<unsigned> spares_;
  std::map<unsigned, Binding> bindings_;  // spare keycode -> bound keysym
  std::vector<int> holds_;                // per keycode, across all peers
  uint64_t clock_ = 0;
};

}  // namespace ds::input::detail

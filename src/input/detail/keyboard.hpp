// XTest keyboard injection from keysyms. A keysym is pressed on a keycode that produces it at the
// level matching the current Shift/NumLock state; when there is none (a symbol missing from the
// server keymap, or one at the other level), a spare keycode (one with no keysyms) is bound to it,
// as xdotool does. Bindings stay until the spare is needed for another keysym (least recently
// used first) or the Keyboard is destroyed, which restores the spares to NoSymbol; keeping them
// avoids racing clients that fetch the new keymap after the key event.
//
// Keymap changes made by other clients (setxkbmap, xmodmap, a layout switcher) are followed: an
// Xlib connection is XKB-initialized by XOpenDisplay and then gets no MappingNotify for keysym
// changes until it selects XkbMapNotify, so the Keyboard selects the XKB map notifications itself
// and re-reads the keymap before the next key press when one reports a change it has not read.
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
  // `xkb_event_base` from XkbQueryExtension.
  Keyboard(Display* dpy, int xkb_event_base);
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
  // Takes note of a keymap notification (XKB map or new keyboard, core MappingNotify); false for
  // any other event.
  bool noteEvent(XEvent& event);

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
  void reload();
  // Notes the keymap notifications already in Xlib's queue (read there by a round trip, where the
  // X fd watch does not see them) and re-reads the keymap if one reports an unread change.
  void syncKeymap();
  Result<unsigned> bindSpare(KeySym keysym);
  bool setKeySym(unsigned keycode, KeySym keysym);
  bool levelOk(KeySym keysym, const Candidate& c, unsigned mods) const;

  Display* dpy_;
  int xkb_event_base_;
  unsigned long loaded_serial_ = 0;  // serial of the request that read the keymap
  bool stale_ = false;               // a change after that request was reported
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

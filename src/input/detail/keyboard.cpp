#include "input/detail/keyboard.hpp"

#include <string>

#include "input/detail/xlib.hpp"

namespace ds::input::detail {
namespace {

bool isKeypad(KeySym sym) { return sym >= 0xff80 && sym <= 0xffbd; }

// Symbols whose level follows Shift: Latin-1 and legacy sets, and Unicode keysyms.
bool followsShift(KeySym sym) { return (sym >= 0x20 && sym < 0xfe00) || sym >= 0x01000000; }

KeySym normalize(uint32_t keysym) {
  // Unicode keysyms for Latin-1 code points have a legacy keysym of the same value.
  if (keysym >= 0x01000020 && keysym <= 0x010000ff) return keysym & 0xff;
  return keysym;
}

}  // namespace

Keyboard::Keyboard(Display* dpy, int xkb_event_base) : dpy_(dpy), xkb_event_base_(xkb_event_base) {
  // Selected before the keymap is read, so that no change can fall between the two (Xlib's own
  // lazy XKB set-up reads its keymap first and selects afterwards).
  XkbSelectEventDetails(dpy_, XkbUseCoreKbd, XkbMapNotify, XkbKeySymsMask | XkbKeyTypesMask,
                        XkbKeySymsMask | XkbKeyTypesMask);
  XkbSelectEventDetails(dpy_, XkbUseCoreKbd, XkbNewKeyboardNotify, XkbNKN_KeycodesMask,
                        XkbNKN_KeycodesMask);
  reload();
}

Keyboard::~Keyboard() {
  for (size_t kc = 0; kc < holds_.size(); ++kc) {
    if (holds_[kc] > 0) XTestFakeKeyEvent(dpy_, static_cast<unsigned>(kc), False, CurrentTime);
  }
  for (const auto& [keycode, binding] : bindings_) setKeySym(keycode, NoSymbol);
  XFlush(dpy_);
}

void Keyboard::reload() {
  XDisplayKeycodes(dpy_, &min_keycode_, &max_keycode_);
  loaded_serial_ = NextRequest(dpy_);
  stale_ = false;
  const int count = max_keycode_ - min_keycode_ + 1;
  int per = 0;
  KeySym* syms = XGetKeyboardMapping(dpy_, static_cast<KeyCode>(min_keycode_), count, &per);
  level0_.assign(static_cast<size_t>(max_keycode_) + 1, NoSymbol);
  level1_.assign(static_cast<size_t>(max_keycode_) + 1, NoSymbol);
  holds_.resize(static_cast<size_t>(max_keycode_) + 1, 0);
  index_.clear();
  spares_.clear();
  for (int kc = min_keycode_; kc <= max_keycode_ && syms != nullptr; ++kc) {
    const KeySym* row = syms + static_cast<ptrdiff_t>(kc - min_keycode_) * per;
    bool empty = true;
    for (int i = 0; i < per; ++i) empty = empty && row[i] == NoSymbol;
    const auto ukc = static_cast<unsigned>(kc);
    level0_[ukc] = per > 0 ? row[0] : NoSymbol;
    level1_[ukc] = per > 1 ? row[1] : NoSymbol;
    auto bound = bindings_.find(ukc);
    if (bound != bindings_.end() && level0_[ukc] != bound->second.keysym) bindings_.erase(bound);
    if (empty || bindings_.count(ukc) != 0) spares_.push_back(ukc);
    if (level0_[ukc] != NoSymbol) index_[level0_[ukc]].push_back({ukc, 0});
    if (level1_[ukc] != NoSymbol && level1_[ukc] != level0_[ukc]) {
      index_[level1_[ukc]].push_back({ukc, 1});
    }
  }
  if (syms != nullptr) XFree(syms);
  // Bindings on keycodes that are no longer spare (keymap replaced) are dropped.
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    it = level0_[it->first] == it->second.keysym ? std::next(it) : bindings_.erase(it);
  }
}

bool Keyboard::noteEvent(XEvent& event) {
  if (event.type == MappingNotify) {
    XRefreshKeyboardMapping(&event.xmapping);
    if (event.xmapping.request != MappingKeyboard) return true;
  } else if (event.type == xkb_event_base_) {
    const int type = reinterpret_cast<const XkbAnyEvent&>(event).xkb_type;
    if (type != XkbMapNotify && type != XkbNewKeyboardNotify) return false;
  } else {
    return false;
  }
  // An event's serial is that of the last request of ours the server had processed when it sent
  // the event: below loaded_serial_, the change was made before the keymap was read (our own
  // bindings among them) and is already in it.
  if (event.xany.serial >= loaded_serial_) stale_ = true;
  return true;
}

void Keyboard::syncKeymap() {
  XEvent event;
  auto is_keymap_event = [](Display*, XEvent* e, XPointer self) -> Bool {
    const auto* kb = reinterpret_cast<const Keyboard*>(self);
    if (e->type == MappingNotify) return True;
    if (e->type != kb->xkb_event_base_) return False;
    const int type = reinterpret_cast<const XkbAnyEvent*>(e)->xkb_type;
    return type == XkbMapNotify || type == XkbNewKeyboardNotify ? True : False;
  };
  while (XCheckIfEvent(dpy_, &event, is_keymap_event, reinterpret_cast<XPointer>(this))) {
    noteEvent(event);
  }
  if (stale_) reload();
}

bool Keyboard::levelOk(KeySym keysym, const Candidate& c, unsigned mods) const {
  const KeySym l0 = level0_[c.keycode];
  const KeySym l1 = level1_[c.keycode];
  if (l1 == NoSymbol || l1 == l0) return true;  // the same symbol whatever the modifiers
  const bool want_level1 = c.level == 1;
  if (isKeypad(keysym)) return want_level1 == ((mods & Mod2Mask) != 0);  // NumLock
  if (!followsShift(keysym)) return true;
  bool shifted = (mods & ShiftMask) != 0;
  KeySym lower = NoSymbol;
  KeySym upper = NoSymbol;
  XConvertCase(keysym, &lower, &upper);
  if (lower != upper && (mods & LockMask) != 0) shifted = !shifted;
  return want_level1 == shifted;
}

// Through XKB (as TigerVNC does) rather than XChangeKeyboardMapping: one ONE_LEVEL group, so the
// key gives its keysym whatever the modifiers, and Xlib clients reliably pick the change up.
bool Keyboard::setKeySym(unsigned keycode, KeySym keysym) {
  XkbDescPtr xkb = XkbGetMap(dpy_, XkbKeyTypesMask | XkbKeySymsMask, XkbUseCoreKbd);
  if (xkb == nullptr) return false;
  XkbMapChangesRec changes{};
  int types[XkbNumKbdGroups] = {XkbOneLevelIndex};
  const int groups = keysym == NoSymbol ? 0 : 1;
  bool ok = XkbChangeTypesOfKey(xkb, static_cast<int>(keycode), groups, XkbGroup1Mask, types,
                                &changes) == Success;
  if (ok && groups == 1) XkbKeySymsPtr(xkb, keycode)[0] = keysym;
  if (ok) {
    changes.changed |= XkbKeySymsMask;
    changes.first_key_sym = static_cast<KeyCode>(keycode);
    changes.num_key_syms = 1;
    ok = XkbChangeMap(dpy_, xkb, &changes) == True;
  }
  XkbFreeKeyboard(xkb, 0, True);
  return ok;
}

Result<unsigned> Keyboard::bindSpare(KeySym keysym) {
  for (auto& [keycode, binding] : bindings_) {
    if (binding.keysym == keysym) {
      binding.last_use = ++clock_;
      return keycode;
    }
  }
  // A never-bound spare first, else the least recently used binding that no one holds.
  unsigned chosen = 0;
  uint64_t oldest = UINT64_MAX;
  for (auto it = spares_.rbegin(); it != spares_.rend(); ++it) {
    const unsigned kc = *it;
    if (holds_[kc] > 0) continue;
    auto bound = bindings_.find(kc);
    const uint64_t age = bound == bindings_.end() ? 0 : bound->second.last_use;
    if (age < oldest) {
      oldest = age;
      chosen = kc;
    }
    if (age == 0) break;
  }
  if (chosen == 0) return fail("no spare keycode left for keysym " + std::to_string(keysym));
  if (!setKeySym(chosen, keysym)) return fail("XKB refused to bind a spare keycode");
  bindings_[chosen] = Binding{keysym, ++clock_};
  reload();
  if (bindings_.count(chosen) == 0) return fail("keymap change for spare keycode did not apply");
  return chosen;
}

Result<unsigned> Keyboard::press(uint32_t raw_keysym) {
  const KeySym keysym = normalize(raw_keysym);
  XkbStateRec state{};
  XkbGetState(dpy_, XkbUseCoreKbd, &state);
  // After the round trip: every keymap change the server made before it has been reported.
  syncKeymap();
  unsigned keycode = 0;
  if (auto it = index_.find(keysym); it != index_.end()) {
    for (const Candidate& c : it->second) {
      if (levelOk(keysym, c, state.mods)) {
        keycode = c.keycode;
        break;
      }
    }
  }
  if (keycode == 0) {
    auto bound = bindSpare(keysym);
    if (!bound) return bound;
    keycode = *bound;
  }
  if (auto b = bindings_.find(keycode); b != bindings_.end()) b->second.last_use = ++clock_;
  XTestFakeKeyEvent(dpy_, keycode, True, CurrentTime);
  ++holds_[keycode];
  return keycode;
}

void Keyboard::repeat(unsigned keycode) {
  if (keycode < holds_.size() && holds_[keycode] > 0) {
    XTestFakeKeyEvent(dpy_, keycode, True, CurrentTime);
  }
}

void Keyboard::release(unsigned keycode) {
  if (keycode >= holds_.size() || holds_[keycode] == 0) return;
  if (--holds_[keycode] == 0) XTestFakeKeyEvent(dpy_, keycode, False, CurrentTime);
}

void Keyboard::releaseStrayModifiers() {
  syncKeymap();
  char keys[32] = {};
  XQueryKeymap(dpy_, keys);
  XModifierKeymap* map = XGetModifierMapping(dpy_);
  if (map == nullptr) return;
  for (int i = 0; i < 8 * map->max_keypermod; ++i) {
    const unsigned kc = map->modifiermap[i];
    if (kc == 0 || kc >= holds_.size() || holds_[kc] > 0) continue;
    const bool down = (keys[kc / 8] & (1 << (kc % 8))) != 0;
    const KeySym sym = level0_[kc];
    const bool lock = sym == XK_Caps_Lock || sym == XK_Num_Lock || sym == XK_Scroll_Lock;
    if (down && !lock) XTestFakeKeyEvent(dpy_, kc, False, CurrentTime);
  }
  XFreeModifiermap(map);
}

}  // namespace ds::input::detail

// KeyboardEvent → X keysym, as the deskstream/Selkies `kd,<keysym>` / `ku,<keysym>` messages
// expect. The browser has already applied the user's layout (US, German, French, ...), dead keys
// and AltGr to `event.key`, so printable keys are sent as the keysym of the character they
// produce: Latin-1 code points are their own keysym, other characters are 0x01000000 | code
// point (X "Unicode keysyms"). Named keys come from the table below. The server types any of
// them, binding a spare keycode when its keymap lacks the symbol.
//
// Pure module (no DOM access at import), so it can be unit-tested with `node --test`.

// event.key names → keysym. Left/right variants use event.location (1 left, 2 right).
const NAMED = {
  Backspace: 0xff08, Tab: 0xff09, Enter: 0xff0d, Escape: 0xff1b, Delete: 0xffff,
  Home: 0xff50, ArrowLeft: 0xff51, ArrowUp: 0xff52, ArrowRight: 0xff53, ArrowDown: 0xff54,
  PageUp: 0xff55, PageDown: 0xff56, End: 0xff57, Insert: 0xff63, Pause: 0xff13,
  ScrollLock: 0xff14, PrintScreen: 0xff61, ContextMenu: 0xff67, Help: 0xff6a, Cancel: 0xff69,
  CapsLock: 0xffe5, NumLock: 0xff7f, Clear: 0xff0b, Select: 0xff60, Execute: 0xff62,
  Find: 0xff68, Undo: 0xff65, Redo: 0xff66,
  // Modifiers: [left, right]
  Shift: [0xffe1, 0xffe2], Control: [0xffe3, 0xffe4], Alt: [0xffe9, 0xffea],
  Meta: [0xffeb, 0xffec], OS: [0xffeb, 0xffec], Super: [0xffeb, 0xffec], Hyper: [0xffed, 0xffee],
  // AltGr is resolved by the browser into the characters it produces; the server ignores it too.
  AltGraph: 0xfe03, ModeChange: 0xff7e,
  // IME and non-US keys
  Convert: 0xff23, NonConvert: 0xff22, KanaMode: 0xff2d, HiraganaKatakana: 0xff27,
  Hiragana: 0xff25, Katakana: 0xff26, ZenkakuHankaku: 0xff2a, Zenkaku: 0xff28, Hankaku: 0xff29,
  Romaji: 0xff24, Eisu: 0xff2f, KanjiMode: 0xff21, HangulMode: 0xff31, HanjaMode: 0xff34,
  // Media and browser keys (XF86 keysyms)
  AudioVolumeMute: 0x1008ff12, AudioVolumeDown: 0x1008ff11, AudioVolumeUp: 0x1008ff13,
  MediaPlayPause: 0x1008ff14, MediaStop: 0x1008ff15, MediaTrackPrevious: 0x1008ff16,
  MediaTrackNext: 0x1008ff17, BrowserBack: 0x1008ff26, BrowserForward: 0x1008ff27,
  BrowserRefresh: 0x1008ff29, BrowserSearch: 0x1008ff1b, BrowserHome: 0x1008ff18,
  LaunchMail: 0x1008ff19,
};
for (let i = 1; i <= 24; i += 1) NAMED[`F${i}`] = 0xffbe + i - 1;  // F1 = 0xffbe

// Numeric keypad (event.location === 3) with NumLock on.
const KEYPAD = {
  0: 0xffb0, 1: 0xffb1, 2: 0xffb2, 3: 0xffb3, 4: 0xffb4, 5: 0xffb5, 6: 0xffb6, 7: 0xffb7,
  8: 0xffb8, 9: 0xffb9, '.': 0xffae, ',': 0xffac, '+': 0xffab, '-': 0xffad, '*': 0xffaa,
  '/': 0xffaf, '=': 0xffbd, Enter: 0xff8d,
};

// Spacing forms of dead keys, typed when a dead key is followed by space: the browser then
// reports the spacing character itself (e.g. "´", "^", "`", "~", "¨"), handled as characters.

/** Keysym of one character (a single Unicode code point), or null. */
export function keysymFromChar(ch) {
  const cp = ch.codePointAt(0);
  if (cp === undefined || [...ch].length !== 1) return null;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return null;  // controls
  if (cp <= 0xff) return cp;
  return 0x01000000 + cp;
}

/**
 * Keysym for a keydown/keyup event, or null when nothing should be sent (dead keys waiting for
 * their composed character, IME composition, unidentified keys).
 */
export function keysymFromEvent(event) {
  const { key, location } = event;
  if (!key || key === 'Dead' || key === 'Unidentified' || key === 'Process') return null;
  if (event.isComposing) return null;
  if (location === 3 && Object.prototype.hasOwnProperty.call(KEYPAD, key)) return KEYPAD[key];
  const named = NAMED[key];
  if (named !== undefined) {
    if (Array.isArray(named)) return location === 2 ? named[1] : named[0];
    return named;
  }
  if (key === ' ' || key === 'Spacebar') return 0x20;
  return keysymFromChar(key);
}

/** Keysyms `kr` semantics care about: modifiers, for release on blur. */
export const MODIFIER_KEYSYMS = [0xffe1, 0xffe2, 0xffe3, 0xffe4, 0xffe9, 0xffea, 0xffeb, 0xffec];
export const KEYSYM = { ControlLeft: 0xffe3, AltGraph: 0xfe03, Space: 0x20 };

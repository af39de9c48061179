// Text that does not come from one key: IME composition (Chinese, Japanese, Korean), dead keys
// composed by the system, emoji pickers and on-screen (virtual) keyboards. Plain ES module.
//
// Browsers only run an input method, and only show a phone's on-screen keyboard, while an
// editable element has focus. The video is not one, so a hidden textarea (the "text sink") takes
// the focus whenever the user clicks the desktop with a mouse, or taps the keyboard button.
// Ordinary keys still go through InputCapture's keydown handler, which prevents their default:
// they never reach the textarea. Keys the browser hands to the IME (key "Process", "Dead",
// "Unidentified" or isComposing) are not prevented: the IME composes in the textarea and the
// result arrives here, once, as text:
//   compositionend               → the composed text (the intermediate updates are not sent)
//   input insertText / insertReplacementText outside a composition → that text
//   input deleteContentBackward / insertLineBreak outside a composition → BackSpace / Return
// Each character becomes a key press and release of its keysym (keysyms.js: Latin-1 or Unicode
// keysym); the server binds a spare keycode for symbols missing from its keymap.
import { keysymFromChar } from './keysyms.js';

const BACKSPACE = 0xff08;
const RETURN = 0xff0d;
export const SINK_ATTRIBUTE = 'data-ds-text-sink';

/** Keysyms to press and release for a piece of text (control characters other than \n dropped). */
export function keysymsForText(text) {
  const out = [];
  for (const ch of text || '') {
    if (ch === '\n' || ch === '\r') {
      out.push(RETURN);
      continue;
    }
    const keysym = keysymFromChar(ch);
    if (keysym !== null) out.push(keysym);
  }
  return out;
}

/**
 * What an `input` event (or its beforeinput) asks us to type: an array of keysyms, or null when
 * it belongs to a composition (its compositionend carries the text) or is not typing at all.
 */
export function keysymsForInput(inputType, data, isComposing) {
  if (isComposing || inputType === 'insertCompositionText') return null;
  switch (inputType) {
    case 'insertText':
    case 'insertReplacementText':
    case 'insertFromPaste':
      return keysymsForText(data);
    case 'insertLineBreak':
    case 'insertParagraph':
      return [RETURN];
    case 'deleteContentBackward':
      return [BACKSPACE];
    default:
      return null;
  }
}

export class TextSink {
  /**
   * @param {HTMLElement} video the element showing the desktop (mouse clicks focus the sink)
   * @param {(text: string) => boolean} send sends one `input` channel message
   */
  constructor(video, send) {
    this.video = video;
    this.send = send;
    this.composing = false;
    this.listeners = [];
    this.el = document.createElement('textarea');
    this.el.setAttribute(SINK_ATTRIBUTE, '');
    this.el.setAttribute('aria-label', 'Keyboard input for the remote desktop');
    for (const [k, v] of Object.entries({ autocomplete: 'off', autocorrect: 'off', autocapitalize: 'off',
      spellcheck: 'false', inputmode: 'text', enterkeyhint: 'enter', rows: '1' })) this.el.setAttribute(k, v);
    this.el.id = 'text_sink';
    document.body.appendChild(this.el);
  }

  attach() {
    if (this.listeners.length) return;
    const on = (target, type, fn) => {
      target.addEventListener(type, fn);
      this.listeners.push(() => target.removeEventListener(type, fn));
    };
    on(this.el, 'compositionstart', () => { this.composing = true; });
    on(this.el, 'compositionend', (e) => {
      this.composing = false;
      this.type(keysymsForText(e.data));
      this.clear();
    });
    on(this.el, 'input', (e) => {
      const keysyms = keysymsForInput(e.inputType, e.data, e.isComposing || this.composing);
      if (keysyms === null) return;
      this.type(keysyms);
      this.clear();
    });
    // A mouse click on the desktop gives the keyboard (and an IME) to the sink. Touch does not:
    // the on-screen keyboard would pop up at every tap; the keyboard button opens it (focus()).
    on(this.video, 'pointerdown', (e) => {
      if (e.pointerType === 'mouse') setTimeout(() => this.focus(), 0);
    });
  }

  detach() {
    this.listeners.forEach((remove) => remove());
    this.listeners = [];
    this.composing = false;
  }

  focus() { this.el.focus({ preventScroll: true }); }

  /** Shows (focus) or hides (blur) the on-screen keyboard; returns whether it is now focused. */
  toggle() {
    if (document.activeElement === this.el) this.el.blur();
    else this.focus();
    return document.activeElement === this.el;
  }

  clear() { if (!this.composing) this.el.value = ''; }

  type(keysyms) {
    for (const keysym of keysyms) {
      this.send(`kd,${keysym}`);
      this.send(`ku,${keysym}`);
    }
  }
}

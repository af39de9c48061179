// Glue for touch.js and ime.js: one text sink and one gesture handler for the page, pointed at
// the element that shows the desktop (the <video>, or the WebSocket transport's canvas) and at
// the current InputCapture; and the on-screen keyboard button (shown on touch devices).
import { TextSink } from './ime.js';
import { TouchInput } from './touch.js';
import { setIcon } from './icons.js';

export function setupTouchAndText(keyboardButton) {
  let capture = null;
  const send = (text) => {
    try {
      return capture ? capture.send(text) : false;
    } catch {
      return false;
    }
  };
  const sink = new TextSink(null, send);
  const touch = new TouchInput(null, (op, a) => capture?.touchMouse(op, a));
  if (keyboardButton) {
    setIcon(keyboardButton, 'keyboard');
    keyboardButton.hidden = !(navigator.maxTouchPoints > 0 || matchMedia('(any-pointer: coarse)').matches);
    // Keep the focus where it is (on the sink while the keyboard is up): the click toggles it.
    keyboardButton.addEventListener('pointerdown', (e) => e.preventDefault());
    keyboardButton.addEventListener('mousedown', (e) => e.preventDefault());
    keyboardButton.addEventListener('click', () => {
      keyboardButton.setAttribute('aria-pressed', String(sink.toggle()));
    });
    sink.el.addEventListener('blur', () => keyboardButton.setAttribute('aria-pressed', 'false'));
  }
  return {
    sink,
    touch,
    /** The desktop is now shown by `element` and driven by `inputCapture`. */
    use(element, inputCapture) {
      capture = inputCapture;
      if (sink.video === element) return;
      sink.detach();
      touch.detach();
      sink.video = element;
      touch.video = element;
      sink.attach();
      touch.attach();
    },
  };
}

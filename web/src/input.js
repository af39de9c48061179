// deskstream input capture: keyboard, mouse, wheel, touch, pointer lock, fullscreen, clipboard,
// remote cursor and resize requests over the `input` data channel (Selkies grammar, see
// docs/protocol-input.md). Plain ES module, no build step.
//
// Contract with app.js:
//   import { InputCapture } from './input.js';
//   const input = new InputCapture(videoElement, (text) => channel.send(text), {
//     resizeRemote: true,        // send r,WxH 500 ms after the window settles; 1:1 pixels
//     clipboard: true,           // sync the clipboard (Clipboard API, on focus / on message)
//     cursorScaleFactor: 1,      // multiplies m2 relative motion
//     onStatus: (text) => {},    // pipeline status and local notices
//     onSystem: (action) => {},  // system actions not handled here (framerate, bitrates, ...)
//     onLatency: (ms) => {},     // latency_measurement
//   });
//   channel.onopen = () => input.attach();      // starts listening (window + element)
//   channel.onclose = () => input.detach();     // removes every listener, releases keys
//   channel.onmessage = (e) => input.onServerMessage(JSON.parse(e.data));  // true if handled
//   input.requestResize();                      // e.g. right after attach
// `sendText` may be called while the channel is closed; it should drop the text (return false).
// Keyboard: `event.key` → keysym (keysyms.js), dead keys and AltGr resolved by the browser; IME
// and on-screen keyboard text go through ime.js (TextSink), touch gestures through touch.js
// (touchMouse). Hotkeys: Ctrl+Shift+F fullscreen (with keyboard lock), Ctrl+Shift+click pointer lock
// (relative `m2`, server draws the cursor: `p,1`).
import { keysymFromEvent, KEYSYM } from './keysyms.js';
import { SINK_ATTRIBUTE } from './ime.js';
import {
  base64ToUtf8, evenResolution, mapToRemote, utf8ToBase64, WheelSmoother,
} from './input_util.js';

export { base64ToUtf8, evenResolution, mapToRemote, utf8ToBase64, WheelSmoother };

const BUTTON_BITS = [1, 2, 4];  // event.button 0 left, 1 middle, 2 right → mask bits
const RESIZE_SETTLE_MS = 500;

export class InputCapture {
  constructor(videoElement, sendText, options = {}) {
    this.video = videoElement;
    this.send = sendText;
    this.options = { resizeRemote: true, clipboard: true, cursorScaleFactor: 1, ...options };
    this.mask = 0;
    this.pressed = new Map();  // event.code → keysym sent with kd
    this.cursors = new Map();  // cursor handle → CSS cursor value
    this.wheel = new WheelSmoother();
    this.position = [0, 0];
    this.relative = { x: 0, y: 0 };
    this.lastClipboard = null;
    this.lastResize = '';
    this.resizeTimer = 0;
    this.resizeEnabled = true;
    this.listeners = [];
    this.attached = false;
    this.touchSeen = false;
  }

  attach() {
    if (this.attached) return;
    this.attached = true;
    const v = this.video;
    const on = (target, type, fn, opts) => {
      const bound = fn.bind(this);
      target.addEventListener(type, bound, opts);
      this.listeners.push(() => target.removeEventListener(type, bound, opts));
    };
    on(window, 'keydown', this._keyDown, true);
    on(window, 'keyup', this._keyUp, true);
    on(window, 'blur', this._blur);
    on(window, 'focus', this._focus);
    on(window, 'resize', this._windowResized);
    on(document, 'pointerlockchange', this._pointerLockChange);
    on(document, 'fullscreenchange', () => this._send('kr'));
    on(document, 'mousemove', this._mouseMove);
    on(v, 'mousedown', this._mouseButton);
    on(document, 'mouseup', this._mouseButton);
    on(v, 'wheel', this._wheel, { passive: false });
    on(v, 'contextmenu', (e) => e.preventDefault());
    this._send('kr');
    if (document.hasFocus()) this._focus();
  }

  detach() {
    this._releaseAll();
    this.listeners.forEach((remove) => remove());
    this.listeners = [];
    clearTimeout(this.resizeTimer);
    this.attached = false;
    this.video.style.cursor = '';
  }

  /** Handles a parsed server message; returns true when it was an input-module message. */
  onServerMessage(msg) {
    if (!msg || typeof msg !== 'object') return false;
    const data = msg.data || {};
    switch (msg.type) {
      case 'ping':
        this._send(`pong,${Date.now() / 1000}`);
        return true;
      case 'latency_measurement':
        this.options.onLatency?.(data.latency_ms);
        return true;
      case 'cursor':
        this._setCursor(data);
        return true;
      case 'clipboard':
        this._remoteClipboard(data.content);
        return true;
      case 'pipeline':
        this.options.onStatus?.(data.status);
        return true;
      case 'system':
        return this._system(String(data.action || ''));
      default:
        return false;
    }
  }

  /** Sends r,WxH for the current window size (if resizing is on and the size changed). */
  requestResize() {
    if (!this.options.resizeRemote || !this.resizeEnabled) return;
    // The viewport, not the body: the body grows with the video once it shows 1:1 pixels.
    const root = document.documentElement;
    const [w, h] = evenResolution(root.clientWidth || window.innerWidth,
      root.clientHeight || window.innerHeight, window.devicePixelRatio);
    const res = `${w}x${h}`;
    if (res !== this.lastResize && this._send(`r,${res}`) !== false) this.lastResize = res;
  }

  // --- keyboard -------------------------------------------------------------------------------

  // Typing into the page's own form fields (menus, settings) stays local.
  static _local(e) {
    const t = e.target;
    if (t?.hasAttribute?.(SINK_ATTRIBUTE)) return false;  // ime.js's text sink: keys go remote
    return !!t && t !== document.body && (t.isContentEditable ||
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
  }

  _keyDown(e) {
    if (InputCapture._local(e)) return;
    if (e.ctrlKey && e.shiftKey && (e.code === 'KeyF')) {
      e.preventDefault();
      this.toggleFullscreen();
      return;
    }
    if (e.key === 'AltGraph') {
      // Windows reports AltGr as ControlLeft + AltRight: undo the fake Control.
      const ctrl = this.pressed.get('ControlLeft');
      if (ctrl !== undefined) {
        this._send(`ku,${ctrl}`);
        this.pressed.delete('ControlLeft');
      }
      e.preventDefault();
      return;
    }
    const keysym = keysymFromEvent(e);
    if (keysym === null) return;  // dead key or IME: the composed text follows
    e.preventDefault();
    const held = this.pressed.get(e.code);
    if (held !== undefined && held !== keysym) this._send(`ku,${held}`);
    this.pressed.set(e.code, keysym);
    this._send(`kd,${keysym}`);
  }

  _keyUp(e) {
    if (InputCapture._local(e) && !this.pressed.has(e.code)) return;
    const keysym = this.pressed.get(e.code) ?? keysymFromEvent(e);
    this.pressed.delete(e.code);
    if (keysym === null || keysym === undefined || keysym === KEYSYM.AltGraph) return;
    e.preventDefault();
    this._send(`ku,${keysym}`);
    // macOS sends no keyup for keys released while Meta is down.
    if (e.key === 'Meta') this._releaseAll();
  }

  _releaseAll() {
    for (const keysym of this.pressed.values()) this._send(`ku,${keysym}`);
    this.pressed.clear();
    if (this.mask & 7) this._sendMouse(this.mask & ~7);
    this._send('kr');
  }

  _blur() { this._releaseAll(); }

  _focus() {
    this._send('kr');
    this._syncClipboardToRemote();
  }

  toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen?.();
      return;
    }
    const target = this.video.parentElement || document.documentElement;
    target.requestFullscreen?.().then(() => {
      navigator.keyboard?.lock?.(['AltLeft', 'AltRight', 'Tab', 'Escape', 'ContextMenu',
        'MetaLeft', 'MetaRight']).catch(() => {});
    }).catch(() => {});
  }

  // --- mouse ----------------------------------------------------------------------------------

  _locked() { return document.pointerLockElement === this.video; }

  _mouseMove(e) {
    if (this._locked()) {
      const f = this.options.cursorScaleFactor || 1;
      this.relative.x += e.movementX * f;
      this.relative.y += e.movementY * f;
      const dx = Math.trunc(this.relative.x);
      const dy = Math.trunc(this.relative.y);
      if (!dx && !dy) return;
      this.relative.x -= dx;
      this.relative.y -= dy;
      this._send(`m2,${dx},${dy},${this.mask},0`);
      return;
    }
    if (e.target !== this.video && !(this.mask & 7)) return;
    const pos = this._remote(e);
    if (!pos) return;
    this.position = pos;
    this._sendMouse(this.mask);
  }

  _mouseButton(e) {
    const bit = BUTTON_BITS[e.button];
    if (bit === undefined) return;
    if (e.type === 'mousedown') {
      if (e.ctrlKey && e.shiftKey && !this._locked()) {
        e.preventDefault();
        this.video.requestPointerLock?.();
        return;
      }
      this.video.focus?.();
    } else if (!(this.mask & bit)) {
      return;  // a release of a press we never sent
    }
    e.preventDefault();
    const pos = this._locked() ? null : this._remote(e);
    if (pos) this.position = pos;
    const mask = e.type === 'mousedown' ? this.mask | bit : this.mask & ~bit;
    if (this._locked()) {
      this.mask = mask;
      this._send(`m2,0,0,${mask},0`);
    } else {
      this._sendMouse(mask);
    }
  }

  _wheel(e) {
    e.preventDefault();
    const pos = this._locked() ? null : this._remote(e);
    if (pos) this.position = pos;
    for (const [bit, mag] of this.wheel.steps(e, performance.now())) {
      if (this._locked()) {
        this._send(`m2,0,0,${this.mask | bit},${mag}`);
        this._send(`m2,0,0,${this.mask},0`);
      } else {
        this._sendMouse(this.mask | bit, mag);
        this._sendMouse(this.mask);
      }
    }
  }

  /** Touch gestures (touch.js): 'move' {x, y} client pixels, 'down'/'up' {bit}, 'wheel' {bit, steps}. */
  touchMouse(op, a) {
    if (!this.touchSeen) {
      this.touchSeen = true;
      this._send('p,1');  // no hover cursor on touch devices: draw it into the video
    }
    if (op === 'move') {
      const pos = this._remote({ clientX: a.x, clientY: a.y });
      if (pos) this.position = pos;
      this._sendMouse(this.mask);
    } else if (op === 'down') {
      this._sendMouse(this.mask | a.bit);
    } else if (op === 'up') {
      this._sendMouse(this.mask & ~a.bit);
    } else if (op === 'wheel') {
      this._sendMouse(this.mask | a.bit, a.steps);
      this._sendMouse(this.mask);
    }
  }

  _pointerLockChange() {
    const locked = this._locked();
    this.relative = { x: 0, y: 0 };
    this._send(`p,${locked ? 1 : 0}`);  // the server draws the cursor while locked
  }

  _remote(e) {
    return mapToRemote(this.video.getBoundingClientRect(), this.video.videoWidth,
      this.video.videoHeight, e.clientX, e.clientY);
  }

  _sendMouse(mask, magnitude = 0) {
    if (magnitude === 0) this.mask = mask;
    this._send(`m,${this.position[0]},${this.position[1]},${mask},${magnitude}`);
  }

  // --- cursor, clipboard, resize --------------------------------------------------------------

  _setCursor(data) {
    let css = this.cursors.get(data.handle);
    if (css === undefined) {
      if (!data.handle) css = 'auto';
      else if (data.override) css = data.override;
      else {
        const hx = data.hotspot?.x ?? 0;
        const hy = data.hotspot?.y ?? 0;
        css = `url(data:image/png;base64,${data.curdata}) ${hx} ${hy}, auto`;
      }
      this.cursors.set(data.handle, css);
    }
    if (!this._locked()) this.video.style.cursor = css;
  }

  _remoteClipboard(content) {
    if (!this.options.clipboard || typeof content !== 'string') return;
    let text;
    try {
      text = base64ToUtf8(content);
    } catch {
      return;
    }
    this.lastClipboard = text;
    this.options.onClipboard?.(text);
    navigator.clipboard?.writeText?.(text).catch(() => {});  // needs focus and permission
  }

  _syncClipboardToRemote() {
    if (!this.options.clipboard || !navigator.clipboard?.readText) return;
    navigator.clipboard.readText().then((text) => {
      if (!text || text === this.lastClipboard) return;
      this.lastClipboard = text;
      this._send(`cw,${utf8ToBase64(text)}`);
    }).catch(() => {});  // permission denied or document not focused
  }

  _system(action) {
    const [name, value] = action.split(',');
    if (name === 'resize') {
      this.resizeEnabled = value === 'True' || value === 'true';
      if (this.resizeEnabled) this.requestResize();
      return true;
    }
    if (name === 'resolution') {
      const [w, h] = (value || '').split('x').map(Number);
      this.lastResize = value;
      if (this.options.resizeRemote && w > 0 && h > 0) {
        const ratio = window.devicePixelRatio || 1;
        this.video.style.width = `${w / ratio}px`;
        this.video.style.height = `${h / ratio}px`;
      }
      this.options.onSystem?.(action);
      return true;
    }
    this.options.onSystem?.(action);
    return false;
  }

  _windowResized() {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.requestResize(), RESIZE_SETTLE_MS);
  }

  _send(text) {
    try {
      return this.send(text);
    } catch {
      return false;
    }
  }
}

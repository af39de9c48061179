// The eager part of the quality/settings panel (docs/web-client.md): the corner button, the
// shortcuts, fullscreen / pointer lock / keyboard lock, the connection-lost banner with its
// Reconnect button, and a record of what the server said (system values, network status, role,
// clipboard) for the panel itself (panel.js), which is imported only when the stream is live and
// the page idle, or on first open: it never delays the first frame.
//
// Shortcuts (Ctrl+Alt+Shift, which desktop applications rarely use; Selkies' Ctrl+Shift+F
// fullscreen and Ctrl+Shift+click pointer lock stay in input.js):
//   Ctrl+Alt+Shift+M  panel      Ctrl+Alt+Shift+F  fullscreen
//   Ctrl+Alt+Shift+L  pointer lock   Ctrl+Alt+Shift+K  keyboard lock (in fullscreen)
export const SHORTCUT_KEYS = { KeyM: 'panel', KeyF: 'fullscreen', KeyL: 'pointerLock', KeyK: 'keyboardLock' };

/** The panel action of a keydown event, or null (pure). */
export function shortcutOf(e) {
  if (!e.ctrlKey || !e.altKey || !e.shiftKey || e.metaKey) return null;
  return SHORTCUT_KEYS[e.code] || null;
}

const PREFS_KEY = 'deskstream.settings';
export function loadPrefs(storage = globalThis.localStorage) {
  try {
    const v = JSON.parse(storage?.getItem(PREFS_KEY) || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch (e) {
    return {};  // storage blocked or a corrupt value
  }
}
export function savePrefs(prefs, storage = globalThis.localStorage) {
  try {
    storage?.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch (e) { /* storage blocked: the settings last for this visit */ }
}

// `app`: { element(): the element that shows the stream, audio, input(): InputCapture|null,
//          send(text): bool, transport(): string, reconnect(), pc(): RTCPeerConnection|null,
//          ws(): WsTransport|null, state }
export class PanelHook extends EventTarget {
  constructor(app) {
    super();
    this.app = app;
    this.server = { system: {}, network: null, role: null, clipboard: null, channelOpen: false };
    this.keyboardLocked = false;
    this.module = null;
    this.button = document.getElementById('panel_button');
    this.banner = document.getElementById('lost');
    this.button?.addEventListener('click', () => this.toggle());
    document.getElementById('reconnect')?.addEventListener('click', () => {
      this.banner.querySelector('.what').textContent = 'Reconnecting…';
      app.reconnect();
    });
    // Capture phase, registered before input.js attaches: the shortcut never reaches the desktop.
    window.addEventListener('keydown', (e) => {
      const action = shortcutOf(e);
      if (!action) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (action === 'panel') this.toggle();
      else this[action]();
    }, true);
    document.addEventListener('fullscreenchange', () => {
      // Keyboard lock (all keys: Ctrl+W, Alt+Tab, Esc go to the desktop; hold Esc to leave) takes
      // effect in fullscreen only; later than input.js's own lock of a few keys, which it replaces.
      // Turned off in the panel: no lock at all, input.js's included.
      if (document.fullscreenElement) setTimeout(() => this.lockKeyboard(loadPrefs().keyboardLock !== false), 50);
      else this.keyboardLocked = false;
      this.changed('controls');
    });
    document.addEventListener('pointerlockchange', () => this.changed('controls'));
  }

  changed(what, detail = null) { this.dispatchEvent(new CustomEvent(what, { detail })); }

  // Every server message of the data channel (app.js calls this before handling it).
  message(msg) {
    const data = msg?.data || {};
    if (msg?.type === 'system' && typeof data.action === 'string') {
      const comma = data.action.indexOf(',');
      if (comma > 0) this.server.system[data.action.slice(0, comma)] = data.action.slice(comma + 1);
    } else if (msg?.type === 'network') {
      this.server.network = data;
    } else if (msg?.type === 'role') {
      this.server.role = data.role === 'view' ? 'view' : 'control';
    } else if (msg?.type === 'clipboard') {
      this.server.clipboard = data.content;
    } else {
      return;
    }
    this.changed('message', msg);
  }

  channel(open) {
    this.server.channelOpen = open;
    if (!open) this.server.role = null;
    this.changed('channel', open);
  }

  // The connection phase (app.js render): once the stream has been live, the banner shows
  // whenever it is not (connecting again, retrying, an error); before that, on errors only.
  connection(phase, detail) {
    if (phase === 'live' && !this.everLive) {
      this.everLive = true;
      this.preload();
    }
    if (!this.banner) return;
    const lost = this.everLive ? phase !== 'live' : phase === 'reconnecting' || phase === 'error';
    this.banner.hidden = !lost;
    if (!lost) return;
    const what = this.everLive ? 'Connection lost' : 'Cannot connect';
    const why = detail && phase !== 'connecting' ? ` (${detail})` : '';
    const next = phase === 'error' ? '.' : ': reconnecting by itself…';
    this.banner.querySelector('.what').textContent = `${what}${why}${next}`;
  }

  // After the first frame, when the page is idle: the panel module starts sampling, so its plots
  // already hold the last minute when it is first opened.
  preload() {
    if (this.module) return this.module;
    const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 500));
    return new Promise((resolve) => idle(() => resolve(this.load())));
  }

  load() {
    if (!this.module) {
      this.module = import('./panel.js').then((m) => m.createPanel(this)).catch((e) => {
        console.warn('deskstream: the panel did not load', e);
        this.module = null;
        return null;
      });
    }
    return this.module;
  }

  async toggle(open) {
    const panel = await this.load();
    panel?.toggle(open);
  }

  fullscreen() {
    if (document.fullscreenElement) return document.exitFullscreen?.().catch(() => {});
    return document.body.requestFullscreen?.().catch((e) => console.info('deskstream: fullscreen refused:', e.message));
  }

  pointerLock() {
    if (document.pointerLockElement) return document.exitPointerLock?.();
    const el = this.app.element();
    try {
      const r = el.requestPointerLock?.();
      if (r && r.catch) r.catch((e) => console.info('deskstream: pointer lock refused:', e.message));
    } catch (e) {
      console.info('deskstream: pointer lock refused:', e.message);
    }
    return undefined;
  }

  // Keyboard lock works in fullscreen only: turning it on enters fullscreen.
  async keyboardLock() {
    const on = !this.keyboardLocked;
    savePrefs({ ...loadPrefs(), keyboardLock: on });
    if (on && !document.fullscreenElement) {
      await this.fullscreen();  // fullscreenchange locks
    } else {
      await this.lockKeyboard(on);
    }
  }

  async lockKeyboard(on) {
    const kb = navigator.keyboard;
    try {
      if (on) await kb?.lock?.();
      else kb?.unlock?.();
      this.keyboardLocked = on && !!kb?.lock;
    } catch (e) {
      this.keyboardLocked = false;
      console.info('deskstream: keyboard lock refused:', e.message);
    }
    this.changed('controls');
  }
}

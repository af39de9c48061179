// The quality and settings panel (docs/web-client.md), imported by hook.js once the stream is
// live and the page idle, or on first open. Samples the stream once a second into a one-minute
// history (figures.js), plots it (plot.js), and holds the settings (settings.js), the desktop
// controls (fullscreen, pointer lock, keyboard lock) and the clipboard boxes.
import { base64ToUtf8, utf8ToBase64 } from '../input.js';
import { describeWebRtc } from '../transport.js';
import { FIGURES, History, rtcFigures, wsFigures } from './figures.js';
import { PLOT_SPAN_MS, drawPlot, pointAt } from './plot.js';
import { Settings } from './settings.js';

const LABELS = {
  latencyMs: ['Latency (estimate)', '#ffb454', (v) => `${Math.round(v)} ms`, 10],
  fps: ['Frames per second', '#7ee787', (v) => `${Math.round(v)}`, 10],
  kbps: ['Bitrate', '#79c0ff', (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} Mbit/s` : `${Math.round(v)} kbit/s`), 100],
  lossPct: ['Packet loss', '#ff7b72', (v) => `${v.toFixed(1)} %`, 1],
  rttMs: ['Round trip', '#d2a8ff', (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`, 10],
  decodeMs: ['Decode time', '#a5d6ff', (v) => `${v.toFixed(1)} ms`, 5],
};
const FRAMERATES = [10, 15, 20, 24, 30, 45, 60, 90, 120];
const AUDIO_BITRATES = [32000, 64000, 96000, 128000, 192000, 256000, 320000];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (v !== false && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

function options(values, format) {
  return values.map((v) => el('option', { value: String(v), text: format(v) }));
}

export function createPanel(hook) {
  const link = el('link', { rel: 'stylesheet', href: new URL('panel.css', import.meta.url).href });
  document.head.append(link);
  const panel = new Panel(hook);
  window.deskstream.panel = panel;
  return panel;
}

class Panel {
  constructor(hook) {
    this.hook = hook;
    this.app = hook.app;
    this.history = new History(60);
    this.previous = null;
    this.transport = '';
    this.settings = new Settings(hook);
    this.root = null;
    this.timer = setInterval(() => this.sample().catch(() => {}), 1000);
    hook.addEventListener('message', (e) => this.onMessage(e.detail));
    hook.addEventListener('channel', () => this.renderControls());
    hook.addEventListener('controls', () => this.renderControls());
  }

  get open() { return !!this.root && !this.root.hidden; }

  toggle(open = !this.open) {
    if (!this.root) this.build();
    this.root.hidden = !open;
    this.hook.button?.setAttribute('aria-expanded', String(open));
    if (open) {
      this.renderControls();
      this.renderFigures();
    }
  }

  async sample() {
    const ws = this.app.ws();
    const pingRtt = typeof this.app.state.latency === 'number' ? this.app.state.latency * 2 : null;
    let figures = null;
    if (ws) {
      figures = wsFigures(ws.stats, this.previous, performance.now(), pingRtt);
      this.transport = 'WebSocket';
    } else {
      const pc = this.app.pc();
      if (!pc) return;
      figures = rtcFigures(await pc.getStats(), this.previous, pingRtt);
      if (!this.transport.startsWith('WebRTC') || this.history.points.length % 5 === 0) {
        this.transport = await describeWebRtc(pc);
      }
    }
    if (!figures) return;
    this.previous = figures.sample;
    const { sample, ...values } = figures;
    this.history.push(Date.now(), values);
    if (this.open) this.renderFigures();
  }

  build() {
    this.figureEls = {};
    const quality = el('section', { class: 'quality' }, el('h3', { text: 'Quality, last minute' }),
      el('div', { class: 'transport' }, 'Transport: ', el('b', { 'data-transport': '', text: '…' })));
    for (const key of FIGURES) {
      const [name] = LABELS[key];
      const value = el('span', { class: 'value', text: '–' });
      const canvas = el('canvas', { width: '280', height: '36', 'aria-hidden': 'true' });
      quality.append(el('div', { class: 'figure', 'data-figure': key }, el('span', { class: 'name', text: name }), value, canvas));
      this.figureEls[key] = { value, canvas };
      // Hover (or touch) read-out: the value at that moment and how long ago, marked on the plot.
      canvas.addEventListener('pointermove', (e) => {
        const box = canvas.getBoundingClientRect();
        this.hover = { key, x: (e.clientX - box.left) / (box.width || 1) };
        this.renderFigures();
      });
      canvas.addEventListener('pointerleave', () => {
        this.hover = null;
        this.renderFigures();
      });
    }
    this.serverLine = el('div', { class: 'server' });
    quality.append(this.serverLine);

    const s = this.settings;
    this.inputs = {
      videoBitrate: el('input', { type: 'number', min: '100', max: '100000', step: '100', 'data-setting': 'videoBitrate' }),
      framerate: el('select', { 'data-setting': 'framerate' }, ...options(FRAMERATES, (v) => `${v} fps`)),
      resize: el('input', { type: 'checkbox', 'data-setting': 'resize' }),
      audioBitrate: el('select', { 'data-setting': 'audioBitrate' }, ...options(AUDIO_BITRATES, (v) => `${v / 1000} kbit/s`)),
    };
    for (const [key, input] of Object.entries(this.inputs)) {
      input.addEventListener('change', () => {
        s.set(key, input.type === 'checkbox' ? input.checked : input.value);
        this.renderControls();
      });
    }
    this.audioOn = el('input', { type: 'checkbox', 'data-setting': 'audioOn' });
    this.audioOn.addEventListener('change', () => s.setAudio(this.audioOn.checked));
    this.volume = el('input', { type: 'range', min: '0', max: '100', 'data-setting': 'volume' });
    this.volume.addEventListener('input', () => s.setVolume(Number(this.volume.value) / 100));
    this.app.audio.addEventListener('volumechange', () => this.renderControls());
    this.roleNote = el('p', { class: 'note' });
    this.serverFields = el('fieldset', {},
      el('label', {}, 'Video bitrate (kbit/s, the most congestion control may use)', this.inputs.videoBitrate),
      el('label', {}, 'Frame rate', this.inputs.framerate),
      el('label', { class: 'check' }, this.inputs.resize, 'Resize the desktop to this window'),
      el('label', {}, 'Audio bitrate', this.inputs.audioBitrate));
    const settings = el('section', { class: 'settings' }, el('h3', { text: 'Settings' }), this.roleNote, this.serverFields,
      el('label', { class: 'check' }, this.audioOn, 'Desktop audio'),
      el('label', {}, 'Volume', this.volume));

    const button = (text, action, key) => {
      const b = el('button', { type: 'button', 'data-action': action, title: `Ctrl+Alt+Shift+${key}`, text });
      b.addEventListener('click', () => this.hook[action]());
      return b;
    };
    this.controlButtons = {
      fullscreen: button('Fullscreen', 'fullscreen', 'F'),
      pointerLock: button('Pointer lock', 'pointerLock', 'L'),
      keyboardLock: button('Keyboard lock', 'keyboardLock', 'K'),
    };
    const controls = el('section', { class: 'controls' }, el('h3', { text: 'Desktop' }),
      el('div', { class: 'buttons' }, ...Object.values(this.controlButtons)),
      el('p', { class: 'note', text: 'Ctrl+Alt+Shift+M this panel · Ctrl+Shift+F fullscreen · Ctrl+Shift+click pointer lock. '
        + 'Keyboard lock sends Ctrl+W, Alt+Tab and Esc to the desktop in fullscreen (hold Esc to leave).' }));

    this.clipOut = el('textarea', { rows: '3', placeholder: 'Paste here, then Send', 'data-clipboard': 'out' });
    this.clipIn = el('textarea', { rows: '3', readonly: true, placeholder: 'The desktop clipboard', 'data-clipboard': 'in' });
    const send = el('button', { type: 'button', 'data-action': 'clipboardSend', text: 'Send to desktop' });
    send.addEventListener('click', () => {
      if (this.clipOut.value) this.app.send(`cw,${utf8ToBase64(this.clipOut.value)}`);
    });
    const fetchButton = el('button', { type: 'button', 'data-action': 'clipboardFetch', text: 'Get from desktop' });
    fetchButton.addEventListener('click', () => this.app.send('cr'));
    const copy = el('button', { type: 'button', 'data-action': 'clipboardCopy', text: 'Copy' });
    copy.addEventListener('click', () => this.copy());
    this.clipButtons = [send, fetchButton, copy];
    const clipboard = el('section', { class: 'clipboard' }, el('h3', { text: 'Clipboard' }),
      this.clipOut, el('div', { class: 'buttons' }, send), this.clipIn, el('div', { class: 'buttons' }, fetchButton, copy));

    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×' });
    close.addEventListener('click', () => this.toggle(false));
    this.root = el('aside', { id: 'ds_panel', 'aria-label': 'Quality and settings', hidden: true },
      el('header', {}, el('h2', { text: 'deskstream' }), close), quality, settings, controls, clipboard);
    document.body.append(this.root);
    if (this.hook.server.clipboard) this.showClipboard(this.hook.server.clipboard);
  }

  onMessage(msg) {
    if (msg.type === 'clipboard' && this.root) this.showClipboard(msg.data.content);
    if (this.open && msg.type !== 'clipboard') this.renderControls();
  }

  showClipboard(b64) {
    try {
      this.clipIn.value = base64ToUtf8(b64);
    } catch (e) { /* not base64: ignored */ }
  }

  // Works without the asynchronous clipboard API: a selection copied in a click.
  copy() {
    this.clipIn.select();
    let done = false;
    try {
      done = document.execCommand('copy');
    } catch (e) { /* refused */ }
    if (!done) navigator.clipboard?.writeText?.(this.clipIn.value).catch(() => {});
  }

  renderFigures() {
    const points = this.history.points;
    const latest = this.history.latest() || {};
    const now = Date.now();
    for (const key of FIGURES) {
      const [, color, format, floor] = LABELS[key];
      const { value, canvas } = this.figureEls[key];
      const v = latest[key];
      value.textContent = typeof v === 'number' ? format(v) : key === 'lossPct' && this.transport === 'WebSocket' ? 'n/a (TCP)' : '–';
      value.dataset.value = typeof v === 'number' ? String(v) : '';
      const marked = this.hover?.key === key ? pointAt(points, key, this.hover.x, 1, now, PLOT_SPAN_MS) : null;
      if (marked) value.textContent = `${format(marked[key])} · ${Math.round((now - marked.t) / 1000)} s ago`;
      value.dataset.hover = marked ? String(marked[key]) : '';
      drawPlot(canvas, points, key, { color, floor, now, format, spanMs: PLOT_SPAN_MS, marked });
    }
    this.root.querySelector('[data-transport]').textContent = this.transport || '…';
    const n = this.hook.server.network;
    this.serverLine.textContent = n
      ? `Encoder: ${(n.video_bitrate / 1000).toFixed(1)} Mbit/s, ${n.framerate} fps${n.limited ? ' (reduced by the network)' : ''}`
      : '';
  }

  renderControls() {
    if (!this.root) return;
    const s = this.settings;
    const view = !s.controlling;
    this.serverFields.disabled = view;
    this.roleNote.textContent = !this.hook.server.channelOpen ? 'Not connected.'
      : this.hook.server.role === 'view' ? 'View only: these settings are the controlling user\'s.' : '';
    for (const [key, input] of Object.entries(this.inputs)) {
      if (document.activeElement === input) continue;  // typing
      const v = s.value(key);
      if (v === null) continue;
      if (input.type === 'checkbox') input.checked = v;
      else {
        if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === String(v))) {
          input.append(el('option', { value: String(v), text: String(v) }));
        }
        input.value = String(v);
      }
    }
    const audio = this.app.audio;
    this.audioOn.checked = !audio.muted;
    this.volume.value = String(Math.round(audio.volume * 100));
    for (const b of this.clipButtons) b.disabled = view;
    this.clipOut.disabled = view;
    this.controlButtons.fullscreen.setAttribute('aria-pressed', String(!!document.fullscreenElement));
    this.controlButtons.pointerLock.setAttribute('aria-pressed', String(!!document.pointerLockElement));
    this.controlButtons.keyboardLock.setAttribute('aria-pressed', String(this.hook.keyboardLocked));
  }
}

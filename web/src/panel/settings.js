// The panel's settings (docs/web-client.md): video bitrate, frame rate, resize to the window and
// audio bitrate go to the server as Selkies' data-channel messages (`vb`, `_arg_fps`,
// `_arg_resize`, `ab`); audio on/off and volume are this browser's. All are kept in
// localStorage and applied again on the next visit: the server ones once the server says this
// page controls the desktop (a `role` message), the audio ones at once (volume) or at the first
// click or key (unmuting needs a user gesture). A viewer's panel shows the server's values
// read-only, and the server drops a viewer's settings messages anyway.
import { evenResolution } from '../input.js';
import { loadPrefs, savePrefs } from './hook.js';

// pref key → how it goes to the server and how the server announced its value (`system`).
export const SERVER_SETTINGS = {
  videoBitrate: { system: 'video_bitrate', min: 100, max: 100000, message: (v) => `vb,${v}` },
  framerate: { system: 'framerate', min: 1, max: 240, message: (v) => `_arg_fps,${v}` },
  audioBitrate: { system: 'audio_bitrate', min: 8000, max: 510000, message: (v) => `ab,${v}` },
  resize: { system: 'resize', message: (v, size) => `_arg_resize,${v},${size}` },
};

/** A stored or typed value made valid, or null (pure). */
export function validSetting(key, value) {
  const spec = SERVER_SETTINGS[key];
  if (!spec) return null;
  if (key === 'resize') return typeof value === 'boolean' ? value : null;
  const n = Math.round(Number(value));
  return Number.isFinite(n) && n >= spec.min && n <= spec.max ? n : null;
}

/** The server's announced value for `key` (from `system` messages), or null (pure). */
export function serverValue(system, key) {
  const raw = system[SERVER_SETTINGS[key].system];
  if (raw === undefined) return null;
  if (key === 'resize') return raw === 'True' || raw === 'true';
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

/** The [key, value] pairs in which the stored prefs differ from the server's values (pure). */
export function storedChanges(prefs, system) {
  const out = [];
  for (const key of Object.keys(SERVER_SETTINGS)) {
    const want = validSetting(key, prefs[key]);
    if (want !== null && want !== serverValue(system, key)) out.push([key, want]);
  }
  return out;
}

function windowSize() {
  const root = document.documentElement;
  const [w, h] = evenResolution(root.clientWidth || window.innerWidth, root.clientHeight || window.innerHeight,
    window.devicePixelRatio);
  return `${w}x${h}`;
}

export class Settings {
  constructor(hook) {
    this.hook = hook;
    this.appliedFor = null;  // the channel open count the stored settings were applied for
    this.opens = hook.server.channelOpen ? 1 : 0;
    hook.addEventListener('channel', (e) => { if (e.detail) this.opens += 1; });
    // On the role message, and on later messages too if a send failed (the channel closed
    // between the role and the send; the next channel's role tries again anyway).
    hook.addEventListener('message', () => this.applyStored());
    this.applyStored();
    this.applyAudio();
  }

  get controlling() { return this.hook.server.role === 'control'; }

  // Once per channel, as soon as the server said we control: the stored server settings, sent
  // and shown as a change in the panel is (the server announces its values only when the channel
  // opens, so the panel would otherwise keep showing the value the stored one replaced).
  applyStored() {
    if (!this.controlling || this.appliedFor === this.opens) return;
    let sent = true;
    for (const [key, value] of storedChanges(loadPrefs(), this.hook.server.system)) sent = this.set(key, value) && sent;
    if (sent) this.appliedFor = this.opens;
  }

  applyAudio() {
    const audio = this.hook.app.audio;
    const prefs = loadPrefs();
    if (typeof prefs.volume === 'number' && prefs.volume >= 0 && prefs.volume <= 1) audio.volume = prefs.volume;
    this.hook.app.ws()?.setVolume?.(audio.volume);
    audio.addEventListener('volumechange', () => {
      savePrefs({ ...loadPrefs(), audioOn: !audio.muted, volume: audio.volume });
      this.hook.app.ws()?.setVolume?.(audio.volume);
    });
    if (prefs.audioOn !== true || !audio.muted) return;
    // Browsers unmute only in a user gesture: the first click or key anywhere but the mute button.
    const unmute = (e) => {
      if (e.target?.id === 'mute') return;
      window.removeEventListener('pointerdown', unmute, true);
      window.removeEventListener('keydown', unmute, true);
      if (audio.muted) this.setAudio(true);
    };
    window.addEventListener('pointerdown', unmute, true);
    window.addEventListener('keydown', unmute, true);
  }

  setAudio(on) {
    const audio = this.hook.app.audio;
    audio.muted = !on;  // app.js renders the mute button on volumechange
    if (on) audio.play().catch(() => {});
  }

  setVolume(v) { this.hook.app.audio.volume = Math.min(1, Math.max(0, v)); }

  // A change in the panel: sent (if we control), remembered for the next visit.
  set(key, value) {
    const v = validSetting(key, value);
    if (v === null || !this.controlling) return false;
    const size = windowSize();
    if (!this.send(SERVER_SETTINGS[key].message(v, size))) return false;
    const system = this.hook.server.system;
    system[SERVER_SETTINGS[key].system] = key === 'resize' ? (v ? 'True' : 'False') : String(v);
    if (key === 'resize') {
      const input = this.hook.app.input();
      if (input) input.resizeEnabled = v;
    }
    savePrefs({ ...loadPrefs(), [key]: v });
    return true;
  }

  value(key) {
    const server = serverValue(this.hook.server.system, key);
    return server ?? validSetting(key, loadPrefs()[key]);
  }

  send(text) { return this.hook.app.send(text) !== false; }
}

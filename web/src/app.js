// deskstream web client: fetches ./turn, connects the video stream (peer 1) and shows a status
// line. Plain ES modules, no build step.
//
// Only what the first connection needs is imported statically. Input, touch and IME, the panel's
// hook and the figures load while that connection is being set up (`later`), so fetching and
// compiling them never delays the offer; the WebSocket transport loads only when it is used.
import { Stream } from './stream.js';
import { FALLBACK_MS, transportMode, describeWebRtc, watchIce } from './transport.js';
import { setIcon } from './icons.js';

const later = Promise.all([
  import('./input.js'), import('./stats.js'), import('./touch_ui.js'), import('./panel/hook.js'),
]);
let InputCapture = null;
let videoFigures = null;
let touchAndText = null;
let panel = null;  // PanelHook, once loaded

const video = document.getElementById('stream');
const statusEl = document.getElementById('status');
const playButton = document.getElementById('play');
const audio = document.getElementById('audio_stream');
const muteButton = document.getElementById('mute');

const state = { phase: 'connecting', detail: '', fps: 0, width: 0, height: 0, audio: 'connecting' };

function windowResolution() {
  const ratio = window.devicePixelRatio || 1;
  const even = (v) => Math.max(2, Math.floor((v * ratio) / 2) * 2);
  return [even(document.body.offsetWidth || window.innerWidth), even(document.body.offsetHeight || window.innerHeight)];
}

function render() {
  let text = state.phase;
  if (state.phase === 'live' && state.width) text += ` · ${state.width}×${state.height} · ${state.fps} fps`;
  // The server's congestion control holds the stream below its configured quality.
  if (state.phase === 'live' && state.network?.limited) {
    const n = state.network;
    const size = n.scale_percent && n.scale_percent < 100 ? `, ${n.scale_percent} % size` : '';
    text += ` · reduced by the network (${(n.video_bitrate / 1000).toFixed(1)} Mbit/s, ${n.framerate} fps${size})`;
  }
  if (state.detail && state.phase !== 'live') text += ` · ${state.detail}`;
  if (state.audio !== 'live') text += ` · audio ${state.audio}`;
  if (state.transport) text += ` · ${state.transport}`;
  statusEl.textContent = text;
  statusEl.className = state.phase === 'live' ? 'live' : state.phase === 'error' ? 'error' : '';
  panel?.connection(state.phase, state.detail);
}

// The status line's "WebRTC direct / relayed": asked when the video goes live, again every 300 ms
// while getStats has no selected candidate pair yet (it can lag 'connected'), then every 5 s
// (an ICE restart may move the connection to or from a relay).
let describeTimer = null;
function describeTransport(pc) {
  clearTimeout(describeTimer);
  describeWebRtc(pc).then((t) => {
    if (ws || pc !== videoStream.pc) return;
    if (t !== state.transport) {
      state.transport = t;
      render();
    }
    describeTimer = setTimeout(() => describeTransport(pc), t === 'WebRTC' ? 300 : 5000);
  });
}

function setState(phase, detail = '') {
  if (phase === 'live' && !ws && videoStream.pc) describeTransport(videoStream.pc);
  if (phase === 'blocked') {
    playButton.hidden = false;
    return;
  }
  if (phase === 'error' && state.phase === 'live') return;  // keep showing live video
  state.phase = phase;
  state.detail = detail;
  render();
}

playButton.addEventListener('click', () => {
  playButton.hidden = true;
  video.play().catch(() => {});
});

async function rtcConfig() {
  const response = await fetch('turn', { credentials: 'same-origin', cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

const videoStream = new Stream({
  uid: '1',
  element: video,
  rtcConfig,
  meta: () => {
    const [w, h] = windowResolution();
    return { res: `${w}x${h}`, scale: window.devicePixelRatio || 1 };
  },
  onState: (phase, detail) => {
    // Auto mode: WebRTC failed before it ever connected (ICE failed): the WebSocket at once.
    if (mode === 'auto' && !everLive && phase === 'reconnecting' && /connection failed/.test(detail)) {
      startWebSocket('WebRTC failed');
      return;
    }
    if (phase === 'live') everLive = true;
    setState(phase, detail);
  },
  onChannel: (channel) => attachInput(channel),
});

// The connection self-test button.
const selftestButton = document.getElementById('selftest');
setIcon(selftestButton, 'selftest');
selftestButton.addEventListener('click', () => {
  import('./selftest.js').then((m) => m.openSelfTest({
    videoPc: () => videoStream.pc,
    rtcConfig,
    pauseAudio: () => {  // the probe takes the audio peer's uid for a few seconds
      if (ws || audioStream.closed) return () => {};
      audioStream.stop();
      return () => {
        if (ws) return;  // the page moved to the WebSocket transport meanwhile
        audioStream.reconnectNow();
      };
    },
  }));
});

// The `input` data channel carries keyboard, mouse, clipboard, cursor and resize (input.js).
let input = null;
function attachInput(channel, element = video) {
  if (!InputCapture) {  // the channel opened before input.js loaded (it rarely does)
    later.then(() => attachInput(channel, element));
    return;
  }
  if (input) input.detach();
  const capture = new InputCapture(element, (text) => {
    if (channel.readyState !== 'open') return false;
    channel.send(text);
    return true;
  }, {
    resizeRemote: true,
    clipboard: true,
    onStatus: (text) => console.info('deskstream:', text),
    onLatency: (ms) => { state.latency = ms; },
  });
  input = capture;
  touchAndText.use(element, capture);
  channel.onopen = () => {
    panel.channel(true);
    capture.attach();
    capture.requestResize();
    startReports(channel);
    channel.send('_ds_network,1');  // ask for `network` status and `role` messages (deskstream only)
  };
  if (channel.readyState === 'open') channel.onopen();
  channel.onclose = () => {
    panel.channel(false);
    capture.detach();
    stopReports(channel);
  };
  channel.onmessage = (event) => {
    try {
      const msg = JSON.parse(event.data);
      panel.message(msg);
      if (msg.type === 'network') {
        state.network = msg.data;
        render();
        return;
      }
      capture.onServerMessage(msg);
    } catch (e) {
      console.warn('deskstream: bad message from server', e);
    }
  };
  window.dispatchEvent(new CustomEvent('deskstream-channel', { detail: channel }));
}

// Once a second, `_f,<fps>` and `_l,<latency ms>` for the server's Prometheus exporter, from
// getStats (stats.js says how). Selkies' client sends the same two messages every 5 s.
let reports = null;  // { channel, timer }
function stopReports(channel) {
  if (!reports || (channel && reports.channel !== channel)) return;  // a later channel's reports
  clearInterval(reports.timer);
  reports = null;
}
function startReports(channel) {
  stopReports();
  let previous = null;
  const timer = setInterval(async () => {
    const pc = videoStream.pc;
    if (!pc || channel.readyState !== 'open') return;
    try {
      const pingRtt = typeof state.latency === 'number' ? state.latency * 2 : null;
      const figures = videoFigures(await pc.getStats(), previous, pingRtt);
      if (!figures || channel.readyState !== 'open') return;
      previous = figures.sample;
      state.reported = { fps: figures.fps, latencyMs: figures.latencyMs };
      if (figures.fps !== null) channel.send(`_f,${figures.fps}`);
      if (figures.latencyMs !== null) channel.send(`_l,${figures.latencyMs}`);
    } catch (e) {
      // the peer connection or the channel closed meanwhile: the next channel starts over
    }
  }, 1000);
  reports = { channel, timer };
}

// Frame counter for the status line, from the decoder's own clock.
let frames = 0;
function countFrame() {
  frames += 1;
  if (audioPending) audioPending();
  video.requestVideoFrameCallback(countFrame);
}
if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) video.requestVideoFrameCallback(countFrame);
setInterval(() => {
  state.fps = frames;
  frames = 0;
  const shown = ws ? ws.element : video;
  state.width = shown.videoWidth;
  state.height = shown.videoHeight;
  render();
}, 1000);

// Desktop audio: its own peer connection (uid 3), so its jitter buffer never holds video back.
// Browsers block autoplay with sound: audio starts muted and the button unmutes it (a click).
audio.muted = true;
function renderMute() {
  setIcon(muteButton, audio.muted ? 'muted' : 'sound');
  muteButton.setAttribute('aria-pressed', String(audio.muted));
  muteButton.title = audio.muted ? 'Desktop audio muted (click to unmute)' : 'Desktop audio on (click to mute)';
  muteButton.setAttribute('aria-label', muteButton.title);
}
muteButton.addEventListener('click', () => {
  audio.muted = !audio.muted;
  if (!audio.muted) audio.play().catch(() => {});
});
// The panel's audio switch changes `audio.muted` too: the button follows either.
audio.addEventListener('volumechange', () => {
  if (ws) ws.setMuted(audio.muted);
  renderMute();
});
renderMute();
const audioStream = new Stream({
  uid: '3',
  element: audio,
  rtcConfig,
  meta: () => ({ res: '0x0', scale: window.devicePixelRatio || 1 }),
  onState: (phase, detail = '') => {
    if (phase === 'blocked') return;  // muted autoplay is allowed; unmuting is a click
    state.audio = phase === 'error' && /audio unavailable|waiting/.test(detail) ? 'unavailable' : phase;
    render();
  },
});

const AUDIO_WAIT_MS = 2000;
let audioPending = null;
function startAudioAfterVideo() {
  const timer = setTimeout(() => audioPending && audioPending(), AUDIO_WAIT_MS);
  audioPending = () => {
    audioPending = null;
    clearTimeout(timer);
    if (!ws) audioStream.start();
  };
}

// The WebSocket transport (ws_transport.js): replaces both WebRTC connections for this page.
let ws = null;
let wsStarting = false;
async function startWebSocket(reason) {
  if (ws || wsStarting) return;
  wsStarting = true;
  const { WsTransport, webCodecsSupport } = await import('./ws_transport.js');
  await later;
  videoStream.stop();
  audioStream.stop();
  // Chromium shows the decoded frames in the same <video> element; other browsers on a canvas.
  let canvas = null;
  if (typeof MediaStreamTrackGenerator !== 'function') {
    canvas = document.createElement('canvas');
    canvas.id = 'stream_canvas';
    canvas.tabIndex = 0;
    video.hidden = true;
    document.body.insertBefore(canvas, statusEl);
  }
  state.transport = 'WebSocket';
  state.fallback = reason;
  state.audio = 'connecting';
  ws = new WsTransport({
    canvas,
    video,
    meta: () => {
      const [w, h] = windowResolution();
      return { res: `${w}x${h}`, scale: window.devicePixelRatio || 1 };
    },
    onState: setState,
    onChannel: (channel) => attachInput(channel, ws.element),
    onFrame: () => { if (canvas) frames += 1; },  // the <video> counts its own frames
    onAudioState: (s) => { state.audio = s; render(); },
    onAuth: (text, reply) => {
      videoStream.lastAuth = text;
      if (text.startsWith('AUTH_EXPIRED')) setState('error', 'session expired');
      if (!text.startsWith('AUTH_EXPIRING') || typeof window.deskstreamTokenProvider !== 'function') return;
      window.deskstreamTokenProvider().then((token) => token && reply(`AUTH ${token}`)).catch(() => {});
    },
  });
  window.deskstream.ws = ws;
  ws.setMuted(audio.muted);
  console.info(`deskstream: WebSocket transport (${reason})`);
  const support = await webCodecsSupport('h264');
  if (!support.ok) {
    state.phase = 'error';
    state.detail = `${support.why}; WebRTC could not connect either`;
    render();
    return;
  }
  ws.start();
}

// The quality/settings panel (panel/): its hook loads with `later`, the panel itself after the
// first frame (or on first open).
const panelApp = {
  state,
  audio,
  element: () => (ws ? ws.element : video),
  input: () => input,
  ws: () => ws,
  pc: () => videoStream.pc,
  send: (text) => {
    const channel = ws ? ws.channel : videoStream.channel;
    if (!channel || channel.readyState !== 'open') return false;
    channel.send(text);
    return true;
  },
  // The Reconnect button: a new attempt now, whatever the backoff (or an error that stopped it).
  reconnect: () => {
    if (ws) ws.reconnectNow();
    else [videoStream, audioStream].forEach((s) => s.reconnectNow());
  },
};

const mode = transportMode(window.location.search, window.localStorage);
let everLive = false;
window.deskstream = { video: videoStream, audio: audioStream, state, input: () => input, mode, ws: null, touch: null, panelHook: null };
if (mode === 'websocket') {
  startWebSocket('forced by setting');
} else {
  videoStream.start();
  // Audio connects after the first video frame (or after AUDIO_WAIT_MS): its offer, ICE and DTLS
  // would otherwise compete with the video's, in the browser and in the server, and delay it.
  startAudioAfterVideo();
  if (mode === 'auto') {
    watchIce(() => videoStream.pc, FALLBACK_MS, () => everLive || !!ws, (why) => startWebSocket(why));
  }
}

// Touch gestures, IME and the on-screen keyboard (touch_ui.js), the panel's hook, the figures.
later.then(([inputModule, statsModule, touchModule, hookModule]) => {
  InputCapture = inputModule.InputCapture;
  videoFigures = statsModule.videoFigures;
  touchAndText = touchModule.setupTouchAndText(document.getElementById('keyboard'));
  panel = new hookModule.PanelHook(panelApp);
  window.deskstream.touch = touchAndText.touch;
  window.deskstream.panelHook = panel;
  render();
}).catch((e) => {
  state.phase = 'error';
  state.detail = `the page could not load: ${e.message}`;
  render();
});

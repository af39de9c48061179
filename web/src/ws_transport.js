// The WebSocket media transport (docs/protocol-websocket.md): used when WebRTC cannot connect
// (only the web port is reachable), or when forced with ?transport=websocket. The socket is the
// signalling socket's URL; after `MEDIA <meta>` it carries binary frames (H.264 access units or
// VP8/VP9 frames, Opus packets) one way and the data channel's input grammar both ways.
// The socket itself, its ACKs and the video decoder live in a worker (ws_worker.js), so a busy
// main thread delays neither. Video: WebCodecs VideoDecoder (in the worker) -> the page's <video>
// through MediaStreamTrackGenerator where the browser has it (Chromium), else a canvas; each frame
// is shown as soon as it is decoded. Audio: WebCodecs AudioDecoder -> Web Audio with a small,
// bounded playout buffer.
import { signallingUrl } from './signalling.js';
import { Backoff } from './backoff.js';
import { HEADER_BYTES } from './ws_frames.js';

// Audio playout: start 40 ms ahead; anything that would play more than 200 ms late is skipped.
const AUDIO_LEAD_S = 0.04;
const AUDIO_MAX_QUEUE_S = 0.2;

// Says whether this browser can decode `codec` with WebCodecs; the message explains when not.
export async function webCodecsSupport(codec = 'h264') {
  if (typeof VideoDecoder === 'undefined') {
    return { ok: false, why: 'this browser has no WebCodecs VideoDecoder (needs a secure context: https or localhost, and a recent Chromium, Edge, Firefox 130+ or Safari 17+)' };
  }
  const probe = { h264: 'avc1.42E01F', vp8: 'vp8', vp9: 'vp09.00.10.08' }[codec];
  if (!probe) return { ok: false, why: `the WebSocket transport has no decoder for ${codec} video` };
  try {
    const r = await VideoDecoder.isConfigSupported({ codec: probe });
    if (r.supported) return { ok: true };
  } catch (e) { /* unsupported */ }
  return { ok: false, why: `this browser cannot decode ${codec.toUpperCase()} with WebCodecs` };
}

// Looks like an RTCDataChannel to the input code (app.js attachInput): readyState, send,
// onopen/onclose/onmessage.
class SocketChannel {
  constructor(send) {
    this.sendText = send;
    this.readyState = 'connecting';
    this.onopen = null;
    this.onclose = null;
    this.onmessage = null;
  }
  send(text) { if (this.readyState === 'open') this.sendText(text); }
  open() { this.readyState = 'open'; if (this.onopen) this.onopen(); }
  close() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    if (this.onclose) this.onclose();
  }
}

export class WsTransport {
  /**
   * @param {{canvas: HTMLCanvasElement, video?: HTMLVideoElement, meta: () => object, onState: Function,
   *          onChannel: Function, onFrame?: Function, onAudioState?: Function,
   *          onAuth?: Function}} o
   */
  constructor(o) {
    this.o = o;
    this.worker = null;
    this.attempt = 0;  // the worker's messages of an older attempt are ignored
    this.connected = false;
    this.channel = null;
    this.backoff = new Backoff(() => this.start());
    this.closed = false;
    this.muted = true;
    this.audioCtx = null;
    // receiveToDrawMs: summed over decoded frames, from the message's arrival to its draw.
    // framesByWorker: of framesDecoded, those the worker wrote to the <video>'s track itself.
    this.stats = {
      framesDecoded: 0, framesReceived: 0, bytes: 0, decodeErrors: 0, audioPackets: 0, audioDecoded: 0,
      receiveToDrawMs: 0, framesByWorker: 0,
    };
    this.useGenerator = Boolean(o.video) && typeof MediaStreamTrackGenerator === 'function';
    if (this.useGenerator) {
      // Chromium: decoded frames go to the page's <video> element through a generated track,
      // so the compositor converts and shows them as it does WebRTC's (no main-thread copy).
      // The track is made with each worker (attachGenerator), which writes to it itself.
      this.element = o.video;
    } else {
      // Elsewhere: each frame is drawn on a 2D canvas as soon as it is decoded.
      const canvas = o.canvas;
      // The input code maps pointer positions with the element's video size (input.js).
      Object.defineProperty(canvas, 'videoWidth', { configurable: true, get: () => canvas.width });
      Object.defineProperty(canvas, 'videoHeight', { configurable: true, get: () => canvas.height });
      this.ctx = canvas.getContext('2d', { alpha: false, desynchronized: true });
      this.element = canvas;
    }
  }

  start() {
    this.cleanup();
    if (this.closed) return;
    this.o.onState('connecting', 'WebSocket');
    if (!this.worker) {
      this.worker = new Worker(new URL('./ws_worker.js', import.meta.url), { type: 'module' });
      this.worker.onmessage = (event) => this.onWorker(event.data);
      this.worker.onerror = (event) => {
        this.o.onState('error', `the WebSocket transport's worker failed: ${event.message || 'error'}`);
      };
      if (this.useGenerator) this.attachGenerator();
    }
    this.attempt += 1;
    this.connected = true;
    this.liveSent = false;
    this.channel = new SocketChannel((text) => this.send(text));
    if (this.o.onChannel) this.o.onChannel(this.channel);
    this.worker.postMessage({
      type: 'connect',
      attempt: this.attempt,
      url: signallingUrl(window.location),
      hello: `MEDIA ${btoa(JSON.stringify(this.o.meta()))}`,
    });
  }

  send(text) {
    if (this.connected) this.worker.postMessage({ type: 'send', text });
  }

  // A new track for the <video>; its writable side goes to the worker, which writes each
  // decoded frame to it, so a frame reaches the compositor without waiting for this thread.
  // Where the stream cannot be transferred, this thread writes the frames the worker sends.
  attachGenerator() {
    if (this.generator) this.generator.stop();
    this.generator = new MediaStreamTrackGenerator({ kind: 'video' });
    this.writer = null;
    this.o.video.srcObject = new MediaStream([this.generator]);
    this.o.video.play().catch(() => {});
    try {
      this.worker.postMessage({ type: 'sink', writable: this.generator.writable }, [this.generator.writable]);
    } catch (e) {
      this.writer = this.generator.writable.getWriter();
    }
  }

  onWorker(m) {
    if (m.attempt !== this.attempt || !this.connected) {
      if (m.frame) m.frame.close();  // an older attempt's
      return;
    }
    if (m.counts) Object.assign(this.stats, m.counts);
    if (m.type === 'frame') this.draw(m.frame, m.arrived);
    else if (m.type === 'shown') {
      this.stats.framesByWorker += 1;
      this.shown(m.receiveToDrawMs);
    }
    else if (m.type === 'audio') this.decodeAudio(m);
    else if (m.type === 'text') this.onText(m.text);
    else if (m.type === 'error') this.o.onState('error', m.text);
    else if (m.type === 'close') {
      this.connected = false;
      this.o.onState('reconnecting', `WebSocket closed (${m.code}${m.reason ? ` ${m.reason}` : ''})`);
      this.retry();
    }
  }

  onText(text) {
    if (text === 'HELLO') return;
    if (text.startsWith('MEDIA_OK')) {
      try {
        this.media = JSON.parse(text.slice(9));
      } catch (e) {
        this.media = {};
      }
      this.backoff.reset();
      if (!this.media.audio && this.o.onAudioState) this.o.onAudioState('unavailable');
      this.channel.open();
      return;
    }
    if (text.startsWith('AUTH_')) {
      if (this.o.onAuth) this.o.onAuth(text, (reply) => this.send(reply));
      return;
    }
    if (text.startsWith('ERROR')) {
      this.o.onState('error', text);
      return;
    }
    if (this.channel && this.channel.onmessage) this.channel.onmessage({ data: text });
  }

  // `arrived`: when the frame's message reached the worker, in ms since the epoch.
  draw(frame, arrived) {
    if (this.writer) {
      this.writer.write(frame).catch(() => {});  // the track takes the frame (and closes it)
    } else {
      const canvas = this.o.canvas;
      if (canvas.width !== frame.displayWidth || canvas.height !== frame.displayHeight) {
        canvas.width = frame.displayWidth;
        canvas.height = frame.displayHeight;
      }
      this.ctx.drawImage(frame, 0, 0);
      frame.close();
    }
    this.shown(arrived === undefined ? undefined : performance.timeOrigin + performance.now() - arrived);
  }

  // A decoded frame was handed to the <video>'s track or drawn; `receiveToDrawMs`: since its
  // message arrived.
  shown(receiveToDrawMs) {
    if (receiveToDrawMs !== undefined) this.stats.receiveToDrawMs += receiveToDrawMs;
    this.stats.framesDecoded += 1;
    if (!this.liveSent) {
      this.liveSent = true;
      this.o.onState('live');
    }
    if (this.o.onFrame) this.o.onFrame();
  }

  // Browsers start audio only after a click: the page's mute button calls this.
  setMuted(muted) {
    this.muted = muted;
    if (!muted) {
      if (!this.audioCtx) {
        this.audioCtx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
        this.gain = this.audioCtx.createGain();
        this.gain.gain.value = this.volume ?? 1;
        this.gain.connect(this.audioCtx.destination);
      }
      this.audioCtx.resume().catch(() => {});
      this.playAt = 0;
    }
  }

  // The panel's volume, 0..1.
  setVolume(volume) {
    this.volume = volume;
    if (this.gain) this.gain.gain.value = volume;
  }

  // `m`: the worker's audio message (the whole binary message, the payload after its header).
  decodeAudio(m) {
    if (m.codec !== 'opus' || typeof AudioDecoder === 'undefined') return;
    if (!this.audioDecoder || this.audioDecoder.state === 'closed') {
      this.audioDecoder = new AudioDecoder({
        output: (data) => this.play(data),
        error: (e) => console.warn('deskstream: audio decoder error', e),
      });
      this.audioDecoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
      if (this.o.onAudioState) this.o.onAudioState('live');
    }
    try {
      this.audioDecoder.decode(new EncodedAudioChunk({
        type: 'key', timestamp: m.timestampUs, data: new Uint8Array(m.buffer, HEADER_BYTES),
      }));
    } catch (e) { /* the next packet starts over */ }
  }

  play(data) {
    this.stats.audioDecoded += 1;
    const ctx = this.audioCtx;
    if (this.muted || !ctx || ctx.state !== 'running') {
      data.close();
      return;
    }
    const buffer = ctx.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
    for (let c = 0; c < data.numberOfChannels; c++) {
      data.copyTo(buffer.getChannelData(c), { planeIndex: c, format: 'f32-planar' });
    }
    data.close();
    const now = ctx.currentTime;
    if (this.playAt < now) this.playAt = now + AUDIO_LEAD_S;  // underrun: start over
    if (this.playAt - now > AUDIO_MAX_QUEUE_S) return;  // bounded: skip rather than lag
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.gain || ctx.destination);
    src.start(this.playAt);
    this.playAt += buffer.duration;
  }

  retry() {
    if (this.closed || this.backoff.pending()) return;
    this.cleanup();
    this.backoff.schedule();
  }

  // The page's Reconnect button (app.js).
  reconnectNow() {
    this.closed = false;
    this.backoff.cancel();
    this.backoff.reset();
    this.start();
  }

  cleanup() {
    if (this.channel) this.channel.close();
    this.channel = null;
    if (this.worker && this.connected) this.worker.postMessage({ type: 'close' });
    this.connected = false;
    if (this.audioDecoder && this.audioDecoder.state !== 'closed') this.audioDecoder.close();
    this.audioDecoder = null;
  }

  stop() {
    this.closed = true;
    this.backoff.cancel();
    this.cleanup();
    if (this.worker) this.worker.terminate();
    this.worker = null;
  }
}

// The WebSocket media transport (docs/protocol-websocket.md): used when WebRTC cannot connect
// (only the web port is reachable), or when forced with ?transport=websocket. The socket is the
// signalling socket's URL; after `MEDIA <meta>` it carries binary frames (H.264 access units or
// VP8/VP9 frames, Opus packets) one way and the data channel's input grammar both ways.
// Video: WebCodecs VideoDecoder -> the page's <video> through MediaStreamTrackGenerator where the
// browser has it (Chromium), else a canvas; each frame is shown as soon as it is decoded. Audio:
// WebCodecs AudioDecoder -> Web Audio with a small, bounded playout buffer.
import { signallingUrl } from './signalling.js';

const HEADER_BYTES = 20;
const KIND_VIDEO = 1;
const KIND_AUDIO = 2;
const CODEC = { 1: 'h264', 2: 'vp8', 3: 'vp9', 4: 'h265', 5: 'av1', 16: 'opus' };
// Audio playout: start 40 ms ahead; anything that would play more than 200 ms late is skipped.
const AUDIO_LEAD_S = 0.04;
const AUDIO_MAX_QUEUE_S = 0.2;
// Acknowledge audio at least every this many packets (video is acknowledged per frame).
const AUDIO_ACK_EVERY = 5;

export function parseFrame(buffer) {
  if (buffer.byteLength < HEADER_BYTES) return null;
  const v = new DataView(buffer);
  if (v.getUint8(3) !== HEADER_BYTES) return null;
  return {
    kind: v.getUint8(0),
    keyframe: (v.getUint8(1) & 1) !== 0,
    codec: CODEC[v.getUint8(2)],
    seq: v.getUint32(4),
    timestampUs: Number(v.getBigUint64(8)),
    width: v.getUint16(16),
    height: v.getUint16(18),
    payload: new Uint8Array(buffer, HEADER_BYTES),
  };
}

// "avc1.PPCCLL" from the SPS of an Annex B access unit (null without an SPS).
export function avcCodecString(au) {
  for (let i = 0; i + 6 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1 && (au[i + 3] & 0x1f) === 7) {
      const hex = (b) => b.toString(16).padStart(2, '0').toUpperCase();
      return `avc1.${hex(au[i + 4])}${hex(au[i + 5])}${hex(au[i + 6])}`;
    }
  }
  return null;
}

function videoConfig(codec, payload) {
  if (codec === 'h264') {
    const s = avcCodecString(payload);
    return s ? { codec: s, optimizeForLatency: true } : null;
  }
  if (codec === 'vp8') return { codec: 'vp8', optimizeForLatency: true };
  if (codec === 'vp9') return { codec: 'vp09.00.10.08', optimizeForLatency: true };
  return null;
}

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
  constructor(ws) {
    this.ws = ws;
    this.readyState = 'connecting';
    this.onopen = null;
    this.onclose = null;
    this.onmessage = null;
  }
  send(text) { if (this.readyState === 'open') this.ws.send(text); }
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
    this.ws = null;
    this.channel = null;
    this.retryMs = 300;
    this.closed = false;
    this.muted = true;
    this.audioCtx = null;
    // receiveToDrawMs: summed over decoded frames, from the message's arrival to its draw.
    this.stats = {
      framesDecoded: 0, framesReceived: 0, bytes: 0, decodeErrors: 0, audioPackets: 0, audioDecoded: 0,
      receiveToDrawMs: 0,
    };
    this.arrivals = new Map();  // frame timestamp (µs) -> arrival time, for receiveToDrawMs
    if (o.video && typeof MediaStreamTrackGenerator === 'function') {
      // Chromium: decoded frames go to the page's <video> element through a generated track,
      // so the compositor converts and shows them as it does WebRTC's (no main-thread copy).
      this.generator = new MediaStreamTrackGenerator({ kind: 'video' });
      this.writer = this.generator.writable.getWriter();
      o.video.srcObject = new MediaStream([this.generator]);
      o.video.play().catch(() => {});
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
    const ws = new WebSocket(signallingUrl(window.location));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.lastSeq = null;
    this.audioUnacked = 0;
    this.needKeyframe = true;
    this.liveSent = false;
    this.channel = new SocketChannel(ws);
    if (this.o.onChannel) this.o.onChannel(this.channel);
    ws.onopen = () => ws.send(`MEDIA ${btoa(JSON.stringify(this.o.meta()))}`);
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      if (typeof event.data === 'string') this.onText(event.data);
      else this.onBinary(event.data);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.o.onState('reconnecting', `WebSocket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
      this.retry();
    };
    ws.onerror = () => {};
  }

  onText(text) {
    if (text === 'HELLO') return;
    if (text.startsWith('MEDIA_OK')) {
      try {
        this.media = JSON.parse(text.slice(9));
      } catch (e) {
        this.media = {};
      }
      this.retryMs = 300;
      if (!this.media.audio && this.o.onAudioState) this.o.onAudioState('unavailable');
      this.channel.open();
      return;
    }
    if (text.startsWith('AUTH_')) {
      if (this.o.onAuth) this.o.onAuth(text, (reply) => this.ws && this.ws.send(reply));
      return;
    }
    if (text.startsWith('ERROR')) {
      this.o.onState('error', text);
      return;
    }
    if (this.channel && this.channel.onmessage) this.channel.onmessage({ data: text });
  }

  ack() {
    if (this.lastSeq !== null && this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(`ACK ${this.lastSeq}`);
    }
    this.audioUnacked = 0;
  }

  onBinary(buffer) {
    const f = parseFrame(buffer);
    if (!f) return;
    this.lastSeq = f.seq;
    this.stats.bytes += buffer.byteLength;
    if (f.kind === KIND_VIDEO) {
      this.ack();  // received: the server may send the next frame while we decode this one
      this.stats.framesReceived += 1;
      if (this.arrivals.size > 64) this.arrivals.clear();  // bounded: frames the decoder dropped
      this.arrivals.set(f.timestampUs, performance.now());
      this.decodeVideo(f);
    } else if (f.kind === KIND_AUDIO) {
      this.audioUnacked += 1;
      this.stats.audioPackets += 1;
      if (this.audioUnacked >= AUDIO_ACK_EVERY) this.ack();
      this.decodeAudio(f);
    }
  }

  decodeVideo(f) {
    if (this.needKeyframe && !f.keyframe) return;
    if (!this.decoder || this.decoder.state === 'closed') {
      this.decoder = new VideoDecoder({
        output: (frame) => this.draw(frame),
        error: (e) => {
          this.stats.decodeErrors += 1;
          console.warn('deskstream: video decoder error', e);
          this.needKeyframe = true;  // a new decoder starts at the next keyframe
          this.configured = null;
        },
      });
      this.configured = null;
    }
    if (f.keyframe) {
      const config = videoConfig(f.codec, f.payload);
      if (!config) {
        this.o.onState('error', `the WebSocket transport has no decoder for ${f.codec} video`);
        return;
      }
      const key = `${config.codec} ${f.width}x${f.height}`;
      if (key !== this.configured) {
        try {
          this.decoder.configure(config);
        } catch (e) {
          this.o.onState('error', `this browser cannot decode ${config.codec} with WebCodecs: ${e.message}`);
          return;
        }
        this.configured = key;
      }
      this.needKeyframe = false;
    }
    if (!this.configured) return;
    try {
      this.decoder.decode(new EncodedVideoChunk({
        type: f.keyframe ? 'key' : 'delta',
        timestamp: f.timestampUs,
        data: f.payload,
      }));
    } catch (e) {
      this.needKeyframe = true;
    }
  }

  draw(frame) {
    const arrived = this.arrivals.get(frame.timestamp);
    this.arrivals.delete(frame.timestamp);
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
    if (arrived !== undefined) this.stats.receiveToDrawMs += performance.now() - arrived;
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

  decodeAudio(f) {
    if (f.codec !== 'opus' || typeof AudioDecoder === 'undefined') return;
    if (!this.audioDecoder || this.audioDecoder.state === 'closed') {
      this.audioDecoder = new AudioDecoder({
        output: (data) => this.play(data),
        error: (e) => console.warn('deskstream: audio decoder error', e),
      });
      this.audioDecoder.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
      if (this.o.onAudioState) this.o.onAudioState('live');
    }
    try {
      this.audioDecoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: f.timestampUs, data: f.payload }));
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
    if (this.closed || this.retryTimer) return;
    this.cleanup();
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 3000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delay);
  }

  // The page's Reconnect button (app.js).
  reconnectNow() {
    this.closed = false;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryMs = 300;
    this.start();
  }

  cleanup() {
    if (this.channel) this.channel.close();
    this.channel = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.onclose = null;
      ws.close();
    }
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
    if (this.audioDecoder && this.audioDecoder.state !== 'closed') this.audioDecoder.close();
    this.audioDecoder = null;
  }

  stop() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.cleanup();
  }
}

// The WebSocket transport's socket and video decoder, in a dedicated worker started by
// ws_transport.js. Receiving, acknowledging and decoding here keeps them off the page's main
// thread: a busy page (layout, the panel's plots, other scripts) no longer delays the ACKs the
// server's send window and congestion control read (docs/protocol-websocket.md).
//
// Page -> worker: {type: 'connect', attempt, url, hello} | {type: 'send', text} | {type: 'close'}
//   | {type: 'sink', writable}: the writable side of the page's MediaStreamTrackGenerator
//   (transferred; Chromium). With it, decoded frames go from here straight to the <video>'s
//   track, and the page's main thread is not on the frame's way to the screen.
// Worker -> page, each tagged with the attempt it belongs to:
//   {type: 'text', text}                    a text message from the server
//   {type: 'frame', frame, arrived, counts} a decoded VideoFrame (transferred) for the page to
//                                           draw (no sink); `arrived` is when its message
//                                           arrived (ms since the epoch, for the page's
//                                           receive-to-draw figure)
//   {type: 'shown', receiveToDrawMs, counts} a decoded frame written to the sink
//   {type: 'audio', buffer, codec, timestampUs} an Opus packet: the whole message (transferred),
//                                           the payload after the 20-byte header
//   {type: 'counts', counts}                the receive counters, every 250 ms
//   {type: 'error', text}                   a problem the status line should show
//   {type: 'close', code, reason}           the socket closed
import { KIND_AUDIO, KIND_VIDEO, parseFrame, videoConfig } from './ws_frames.js';

// Acknowledge audio at least every this many packets (video is acknowledged per frame).
const AUDIO_ACK_EVERY = 5;
// Frames whose arrival time is kept for the receive-to-draw figure (the decoder drops some).
const MAX_ARRIVALS = 64;

const wallNow = () => performance.timeOrigin + performance.now();

class Receiver {
  constructor(attempt, url, hello) {
    this.attempt = attempt;
    this.lastSeq = null;
    this.audioUnacked = 0;
    this.needKeyframe = true;
    this.configured = null;
    this.decoder = null;
    this.arrivals = new Map();
    this.counts = { framesReceived: 0, bytes: 0, decodeErrors: 0, audioPackets: 0 };
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => this.ws.send(hello);
    this.ws.onmessage = (event) => {
      if (typeof event.data === 'string') this.post({ type: 'text', text: event.data });
      else this.onBinary(event.data);
    };
    this.ws.onclose = (event) => {
      this.stop();
      this.post({ type: 'close', code: event.code, reason: event.reason });
    };
    this.ws.onerror = () => {};
    this.countsTimer = setInterval(() => this.post({ type: 'counts', counts: this.counts }), 250);
  }

  post(message, transfer = []) {
    self.postMessage({ ...message, attempt: this.attempt }, transfer);
  }

  send(text) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  ack() {
    if (this.lastSeq !== null) this.send(`ACK ${this.lastSeq}`);
    this.audioUnacked = 0;
  }

  onBinary(buffer) {
    const f = parseFrame(buffer);
    if (!f) return;
    this.lastSeq = f.seq;
    this.counts.bytes += buffer.byteLength;
    if (f.kind === KIND_VIDEO) {
      this.ack();  // received: the server may send the next frame while we decode this one
      this.counts.framesReceived += 1;
      if (this.arrivals.size > MAX_ARRIVALS) this.arrivals.clear();
      this.arrivals.set(f.timestampUs, wallNow());
      this.decodeVideo(f);
    } else if (f.kind === KIND_AUDIO) {
      this.counts.audioPackets += 1;
      this.audioUnacked += 1;
      if (this.audioUnacked >= AUDIO_ACK_EVERY) this.ack();
      this.post({ type: 'audio', buffer, codec: f.codec, timestampUs: f.timestampUs }, [buffer]);
    }
  }

  decodeVideo(f) {
    if (this.needKeyframe && !f.keyframe) return;
    if (!this.decoder || this.decoder.state === 'closed') {
      this.decoder = new VideoDecoder({
        output: (frame) => {
          const arrived = this.arrivals.get(frame.timestamp);
          this.arrivals.delete(frame.timestamp);
          if (sink) {
            // The track takes the frame and closes it; a closed track refuses it.
            sink.write(frame).catch(() => frame.close());
            const receiveToDrawMs = arrived === undefined ? undefined : wallNow() - arrived;
            this.post({ type: 'shown', receiveToDrawMs, counts: this.counts });
          } else {
            this.post({ type: 'frame', frame, arrived, counts: this.counts }, [frame]);
          }
        },
        error: (e) => {
          this.counts.decodeErrors += 1;
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
        this.post({ type: 'error', text: `the WebSocket transport has no decoder for ${f.codec} video` });
        return;
      }
      const key = `${config.codec} ${f.width}x${f.height}`;
      if (key !== this.configured) {
        try {
          this.decoder.configure(config);
        } catch (e) {
          this.post({ type: 'error', text: `this browser cannot decode ${config.codec} with WebCodecs: ${e.message}` });
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

  // Ends this attempt: no more messages from it reach the page.
  stop() {
    clearInterval(this.countsTimer);
    this.ws.onopen = null;
    this.ws.onmessage = null;
    this.ws.onclose = null;
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close();
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = null;
  }
}

let receiver = null;
let sink = null;  // the page's track generator's writer, once the page has sent it
self.onmessage = (event) => {
  const m = event.data;
  if (m.type === 'sink') {
    sink = m.writable.getWriter();
  } else if (m.type === 'connect') {
    if (receiver) receiver.stop();
    receiver = new Receiver(m.attempt, m.url, m.hello);
  } else if (m.type === 'send') {
    if (receiver) receiver.send(m.text);
  } else if (m.type === 'close') {
    if (receiver) receiver.stop();
    receiver = null;
  }
};

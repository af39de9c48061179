// One WebRTC receive connection (video + the `input` data channel, or audio), with
// reconnection. The server is the offerer.
import { Signalling, signallingUrl } from './signalling.js';
import { mungeAnswer } from './sdp.js';
import { Backoff } from './backoff.js';

// WebSocket close code after the server refused our answer (session/connection.hpp).
const ANSWER_REFUSED = 4406;
export const BUSY_TEXT = 'this desktop is open in another tab or window of yours; waiting for it to close';

export class Stream {
  /**
   * @param {{uid: string, element: HTMLMediaElement, rtcConfig: () => Promise<RTCConfiguration>,
   *          meta: () => object, onState: Function, onChannel?: Function, onChannelMessage?: Function}} o
   */
  constructor(o) {
    this.o = o;
    this.pc = null;
    this.sig = null;
    this.channel = null;
    this.backoff = new Backoff(() => this.start());
    this.closed = false;
    this.lowLatencyTimer = null;
  }

  async start() {
    this.cleanup();
    if (this.closed) return;
    this.o.onState('connecting');
    // ./turn and the signalling socket in parallel: the offer follows HELLO, and the peer
    // connection (which needs ./turn's configuration) only has to exist by then.
    const attempt = {};
    this.attempt = attempt;
    const current = () => this.attempt === attempt;
    // The video connection's first attempt adopts what index.html started (window.__dsEarly).
    const early = this.o.uid === '1' ? window.__dsEarly : null;
    if (early) window.__dsEarly = null;
    const configured = early ? early.turn : this.o.rtcConfig();
    let pcReady;
    const pcCreated = new Promise((resolve) => { pcReady = resolve; });
    this.sig = new Signalling(signallingUrl(window.location), this.o.uid, {
      meta: this.o.meta,
      onSdp: (sdp) => pcCreated.then((pc) => pc && this.onSdp(pc, sdp)),
      onIce: (ice) => pcCreated.then((pc) => {
        if (pc && pc === this.pc) pc.addIceCandidate(ice).catch(() => {});
      }),
      onError: (text) => {
        this.lastError = text;
        this.o.onState('error', text);
      },
      onAuth: (text) => this.onAuth(text),
      onClose: (event) => {
        if (!current()) return;
        if (event && event.code === ANSWER_REFUSED) {
          // No common codec, or an answer the server cannot use: a new attempt would end the
          // same way, so show why and stop (a page reload tries again).
          this.fatal(this.lastError || 'the server refused this browser\'s answer');
          return;
        }
        if (/^ERROR peer '\S+' busy/.test(this.lastError || '')) {
          // One connection per peer id and user, as on Selkies: this user's other tab or window
          // holds it. Said plainly, and retried (the other tab may close).
          this.lastError = null;
          this.o.onState('reconnecting', BUSY_TEXT);
        } else {
          this.o.onState('reconnecting', 'signalling closed');
        }
        this.retry();
      },
    });
    if (early) this.sig.adopt(early);
    else this.sig.connect();
    let config;
    try {
      config = await configured;
    } catch (e) {
      pcReady(null);
      if (!current()) return;
      // The server is down or restarting (or /turn fails): this is retried, so it reads
      // "reconnecting", not an error that stays on screen between two attempts.
      this.o.onState('reconnecting', `cannot load /turn: ${e.message}`);
      this.retry();
      return;
    }
    if (!current()) {
      pcReady(null);
      return;
    }
    const pc = new RTCPeerConnection(config);
    this.pc = pc;
    pc.ontrack = (event) => {
      const stream = event.streams[0] || new MediaStream([event.track]);
      if (this.o.element.srcObject !== stream) this.o.element.srcObject = stream;
      const played = this.o.element.play();
      if (played && played.catch) played.catch((e) => this.o.onState('blocked', e.message));
    };
    pc.ondatachannel = (event) => {
      this.channel = event.channel;
      if (this.o.onChannel) this.o.onChannel(this.channel);
    };
    pc.onicecandidate = (event) => {
      if (event.candidate && this.sig) this.sig.send({ ice: event.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === 'connected') {
        this.backoff.reset();
        this.o.onState('live');
        this.keepLowLatency();
      } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        this.o.onState('reconnecting', `connection ${pc.connectionState}`);
        this.retry();
      }
    };
    pcReady(pc);
  }

  // The token that admitted us is about to expire: ask the embedding platform for a fresh one
  // (window.deskstreamTokenProvider, a function returning a Promise of a token) and send it.
  async onAuth(text) {
    this.lastAuth = text;
    if (text.startsWith('AUTH_EXPIRED')) {
      this.o.onState('error', 'session expired');
      return;
    }
    if (!text.startsWith('AUTH_EXPIRING') || typeof window.deskstreamTokenProvider !== 'function') return;
    try {
      const token = await window.deskstreamTokenProvider();
      if (token && this.sig) this.sig.sendText(`AUTH ${token}`);
    } catch (e) {
      console.warn('deskstream: token provider failed', e);
    }
  }

  async onSdp(pc, sdp) {
    if (pc !== this.pc || sdp.type !== 'offer') return;
    try {
      await pc.setRemoteDescription(sdp);
      const answer = await pc.createAnswer();
      answer.sdp = mungeAnswer(answer.sdp);
      await pc.setLocalDescription(answer);
      if (pc === this.pc) this.sig.send({ sdp: { type: 'answer', sdp: answer.sdp } });
    } catch (e) {
      // This browser cannot use the server's offer; retrying would fail the same way.
      if (pc === this.pc) this.fatal(`this browser cannot answer the server's offer: ${e.message}`);
    }
  }

  // An error that a reconnect cannot fix: shown, and no retry.
  fatal(text) {
    this.closed = true;
    this.backoff.cancel();
    this.cleanup();
    this.o.onState('error', text);
  }

  // Ask the browser to render as soon as frames arrive (the server also sends playout-delay 0).
  keepLowLatency() {
    clearInterval(this.lowLatencyTimer);
    const apply = () => {
      if (!this.pc) return;
      for (const r of this.pc.getReceivers()) {
        if (r.track && r.track.kind !== 'video') continue;
        try {
          if ('jitterBufferTarget' in r) r.jitterBufferTarget = 0;
          r.playoutDelayHint = 0;
        } catch (e) { /* not supported here */ }
      }
    };
    apply();
    this.lowLatencyTimer = setInterval(apply, 1000);
  }

  retry() {
    if (this.closed || this.backoff.pending()) return;
    this.cleanup();
    this.backoff.schedule();
  }

  // The page's Reconnect button: a new attempt now, whatever the backoff, and also after an
  // error that stopped retrying.
  reconnectNow() {
    this.closed = false;
    this.backoff.cancel();
    this.backoff.reset();
    this.start();
  }

  cleanup() {
    this.attempt = null;
    clearInterval(this.lowLatencyTimer);
    if (this.sig) this.sig.close();
    this.sig = null;
    if (this.channel) this.channel.close();
    this.channel = null;
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      pc.close();
    }
  }

  stop() {
    this.closed = true;
    this.backoff.cancel();
    this.cleanup();
  }
}

// The panel's figures, once a second (pure: the caller passes getStats() or the WebSocket
// transport's counters and keeps `sample` for the next call).
//
//   fps        as stats.js reports it to the server (`_f`): the decoder's framesPerSecond
//   latencyMs  glass-to-glass estimate, as stats.js (`_l`): round trip + jitter buffer + decode
//              (the capture and encode side is not in getStats; docs/web-client.md)
//   kbps       video bytes received over the interval
//   lossPct    packets lost / (received + lost) over the interval (null on the WebSocket: TCP)
//   rttMs      the selected candidate pair's currentRoundTripTime (WebSocket: the ping's)
//   decodeMs   decode time per frame over the interval (WebSocket: arrival to draw per frame)
import { videoFigures } from '../stats.js';

export const FIGURES = ['latencyMs', 'fps', 'kbps', 'lossPct', 'rttMs', 'decodeMs'];

const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const delta = (now, before, key) => (before && finite(now[key]) !== null && finite(before[key]) !== null
  ? now[key] - before[key] : null);

/** Figures from a WebRTC stats report; `previous` is the `sample` of the previous call. */
export function rtcFigures(report, previous, pingRttMs = null) {
  const base = videoFigures(report, previous?.base ?? null, pingRttMs);
  if (!base) return null;
  let inbound = null;
  let pairId = null;
  const pairs = [];
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
    else if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    else if (s.type === 'candidate-pair') pairs.push(s);
  });
  const pair = pairs.find((p) => p.id === pairId) || pairs.find((p) => p.nominated && p.state === 'succeeded');
  const sample = {
    base: base.sample,
    t: inbound.timestamp,
    bytes: inbound.bytesReceived,
    lost: inbound.packetsLost,
    packets: inbound.packetsReceived,
    decodeS: inbound.totalDecodeTime,
    decoded: inbound.framesDecoded,
  };
  const dt = delta(sample, previous, 't');
  const bytes = delta(sample, previous, 'bytes');
  const lost = delta(sample, previous, 'lost');
  const packets = delta(sample, previous, 'packets');
  const decodeS = delta(sample, previous, 'decodeS');
  const decoded = delta(sample, previous, 'decoded');
  const rtt = finite(pair?.currentRoundTripTime);
  return {
    fps: base.fps,
    latencyMs: base.latencyMs,
    kbps: dt > 0 && bytes !== null ? (bytes * 8) / dt : null,  // bytes per ms * 8 = kbit/s
    lossPct: lost !== null && packets !== null && lost + packets > 0 ? (100 * Math.max(0, lost)) / (lost + packets) : null,
    rttMs: rtt !== null ? rtt * 1000 : finite(pingRttMs),
    decodeMs: decoded > 0 && decodeS !== null ? (1000 * decodeS) / decoded : null,
    sample,
  };
}

/** Figures from the WebSocket transport's counters (ws_transport.js `stats`) at `nowMs`. */
export function wsFigures(stats, previous, nowMs, pingRttMs = null) {
  const sample = { t: nowMs, bytes: stats.bytes, decoded: stats.framesDecoded, drawMs: stats.receiveToDrawMs };
  const dt = delta(sample, previous, 't');
  const frames = delta(sample, previous, 'decoded');
  const bytes = delta(sample, previous, 'bytes');
  const drawMs = delta(sample, previous, 'drawMs');
  const decodeMs = frames > 0 ? drawMs / frames : null;
  const rttMs = finite(pingRttMs);
  return {
    fps: dt > 0 ? Math.round((frames * 1000) / dt) : null,
    latencyMs: rttMs !== null ? rttMs + (decodeMs ?? 0) : null,
    kbps: dt > 0 ? (bytes * 8) / dt : null,
    lossPct: null,  // TCP: nothing is lost, late frames are skipped by the server
    rttMs,
    decodeMs,
    sample,
  };
}

/** The last `seconds` of samples: a bounded ring of {t, figures}. */
export class History {
  constructor(seconds = 60) {
    this.seconds = seconds;
    this.points = [];
  }
  push(t, figures) {
    this.points.push({ t, ...figures });
    while (this.points.length && this.points[0].t < t - this.seconds * 1000) this.points.shift();
    if (this.points.length > this.seconds * 4) this.points.splice(0, this.points.length - this.seconds * 4);
  }
  latest() { return this.points[this.points.length - 1] || null; }
}

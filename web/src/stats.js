// What the page reports to the server's metrics (docs/metrics.md): Selkies' `_f,<fps>` and
// `_l,<ms>` data-channel messages, computed from the video peer connection's getStats().
// Pure: the caller samples getStats once a second, keeps `sample` for the next call and sends.
//
//   fps      inbound video framesPerSecond (Chromium: frames decoded over the last second), or
//            the decoded-frame delta over the interval where the browser lacks it.
//   latency  round trip + jitter buffer + decode, in ms: the selected candidate pair's
//            currentRoundTripTime (else the data-channel ping's round trip), plus the mean
//            jitter-buffer delay and the mean decode time per frame over the interval (over the
//            whole session on the first call). Selkies adds half the ping round trip and the
//            jitter-buffer delay; the full round trip is what a click waits for (input one way,
//            video back), and decode time is part of what the user sees.

const MAX_FPS = 1000;  // the server's accepted ranges (src/input/protocol.cpp)
const MAX_LATENCY_MS = 3600000;

// An integer in 0..max, or null for a value that is not a number (the server takes integers).
function bounded(value, max) {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(0, Math.round(value))) : null;
}

// Mean of Δtotal/Δcount over the interval (or total/count without a previous sample), or null.
function perUnit(now, before, totalKey, countKey) {
  const total = now[totalKey];
  const count = now[countKey];
  if (typeof total !== 'number' || typeof count !== 'number') return null;
  const dTotal = total - (before?.[totalKey] ?? 0);
  const dCount = count - (before?.[countKey] ?? 0);
  return dCount > 0 ? dTotal / dCount : null;
}

/**
 * @param {RTCStatsReport} report  the video peer connection's getStats()
 * @param {object|null} previous   `sample` from the previous call
 * @param {number|null} pingRttMs  the data-channel ping round trip, if known
 * @returns {{fps: number|null, latencyMs: number|null, sample: object}|null} null before any
 *          inbound video
 */
export function videoFigures(report, previous, pingRttMs = null) {
  let inbound = null;
  let selectedPairId = null;
  const pairs = [];
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
    else if (s.type === 'transport' && s.selectedCandidatePairId) selectedPairId = s.selectedCandidatePairId;
    else if (s.type === 'candidate-pair') pairs.push(s);
  });
  if (!inbound) return null;
  const pair = pairs.find((p) => p.id === selectedPairId) ||
    pairs.find((p) => p.selected) || pairs.find((p) => p.nominated && p.state === 'succeeded');

  const sample = {
    timestamp: inbound.timestamp,
    framesDecoded: inbound.framesDecoded,
    jitterBufferDelay: inbound.jitterBufferDelay,
    jitterBufferEmittedCount: inbound.jitterBufferEmittedCount,
    totalDecodeTime: inbound.totalDecodeTime,
  };
  let fps = null;
  if (typeof inbound.framesPerSecond === 'number') {
    fps = inbound.framesPerSecond;
  } else if (previous && sample.timestamp > previous.timestamp) {
    fps = ((sample.framesDecoded - previous.framesDecoded) * 1000) / (sample.timestamp - previous.timestamp);
  }

  let rttMs = null;
  if (pair && typeof pair.currentRoundTripTime === 'number') rttMs = pair.currentRoundTripTime * 1000;
  else if (typeof pingRttMs === 'number') rttMs = pingRttMs;
  let latencyMs = null;
  if (rttMs !== null) {
    const jitterBuffer = perUnit(sample, previous, 'jitterBufferDelay', 'jitterBufferEmittedCount');
    const decode = perUnit(sample, previous, 'totalDecodeTime', 'framesDecoded');
    latencyMs = rttMs + ((jitterBuffer ?? 0) + (decode ?? 0)) * 1000;
  }
  return {
    fps: bounded(fps, MAX_FPS),
    latencyMs: bounded(latencyMs, MAX_LATENCY_MS),
    sample,
  };
}

// Connection self-test (loaded on demand by the page's self-test button; nothing here runs before
// it is clicked). Four checks, each reported in plain words with what to do about a failure:
//   UDP      a short-lived probe peer connection to the server (an audio peer, uid 3, STUN only,
//            no TURN; the page's own audio peer pauses meanwhile): a UDP candidate pair without
//            a relay that succeeds means UDP reaches it; none within UDP_WAIT_MS (or ICE over
//            TCP only) means it does not.
//   TURN     an RTCPeerConnection with only the TURN servers from /turn and iceTransportPolicy
//            'relay': a relay candidate means the relay allocated with these credentials.
//   RTT      the probe's (else the live stream's) selected candidate pair, and HTTP round trips.
//   Speed    GET selftest?bytes=N (the server's bounded, rate-limited download) timed.
import { Stream } from './stream.js';
import { judgeUdp, judgeTurn, judgeRtt, judgeThroughput } from './selftest_verdicts.js';

export const UDP_WAIT_MS = 10000;
const TURN_WAIT_MS = 8000;

async function selectedPair(pc) {
  const stats = await pc.getStats();
  const pairs = [];
  stats.forEach((s) => { if (s.type === 'candidate-pair') pairs.push(s); });
  let pair = null;
  stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
  const succeeded = pairs.filter((p) => p.state === 'succeeded');
  const describe = (p) => {
    const local = stats.get(p.localCandidateId) || {};
    const remote = stats.get(p.remoteCandidateId) || {};
    return {
      protocol: local.protocol, localType: local.candidateType, remoteType: remote.candidateType,
      rttMs: typeof p.currentRoundTripTime === 'number' ? Math.round(p.currentRoundTripTime * 1000) : null,
    };
  };
  return { selected: pair ? describe(pair) : null, succeeded: succeeded.map(describe) };
}

/**
 * Probe peer connection (the audio peer, uid 3): resolves {connected, answered, error, pairs}
 * after connecting or timing out. The server admits one controlling connection per uid, so the
 * page's own audio peer is paused meanwhile (`pauseAudio` returns the function that resumes it);
 * until the server has seen it go, HELLO is answered "busy" and the Stream tries again.
 */
async function probeUdp(rtcConfig, pauseAudio) {
  const resume = pauseAudio();
  const element = document.createElement('audio');
  element.muted = true;
  let done;
  let lastError = null;
  const finished = new Promise((r) => { done = r; });
  const stream = new Stream({
    uid: '3',
    element,
    rtcConfig: async () => {
      const config = await rtcConfig();
      const stunOnly = (config.iceServers || []).map((s) => ({
        ...s, urls: [].concat(s.urls || s.url || []).filter((u) => /^stuns?:/.test(u)),
      })).filter((s) => s.urls.length);
      return { ...config, iceServers: stunOnly, iceTransportPolicy: 'all' };
    },
    meta: () => ({ res: '0x0', scale: 1 }),
    onState: (phase, detail) => {
      if (phase === 'live') done({ connected: true });
      else if (phase === 'error') lastError = detail;
    },
  });
  const timer = setTimeout(() => done({ connected: false, timedOut: true }), UDP_WAIT_MS);
  stream.start();
  const outcome = await finished;
  clearTimeout(timer);
  let pairs = { selected: null, succeeded: [] };
  const answered = !!stream.pc?.remoteDescription;
  try {
    if (stream.pc) pairs = await selectedPair(stream.pc);
  } catch { /* closed meanwhile */ }
  stream.stop();
  resume();
  // Without an offer from the server the check did not run (refused, busy throughout, ...).
  return { ...outcome, answered, error: answered ? undefined : (lastError || 'no answer from the server'), waitMs: UDP_WAIT_MS, ...pairs };
}

/** TURN allocation with only the TURN servers of /turn, relay candidates only. */
async function probeTurn(rtcConfig) {
  const config = await rtcConfig();
  const servers = (config.iceServers || []).map((s) => ({
    ...s, urls: [].concat(s.urls || s.url || []).filter((u) => /^turns?:/.test(u)),
  })).filter((s) => s.urls.length);
  if (!servers.length) return { configured: false };
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
  const errors = [];
  const result = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ relay: null }), TURN_WAIT_MS);
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.type === 'relay') {
        clearTimeout(timer);
        resolve({ relay: { protocol: e.candidate.relayProtocol || e.candidate.protocol, address: e.candidate.address } });
      } else if (!e.candidate) {
        clearTimeout(timer);
        resolve({ relay: null });
      }
    };
    pc.onicecandidateerror = (e) => errors.push({ code: e.errorCode, text: e.errorText, url: e.url });
    pc.createDataChannel('selftest');
    pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((e) => {
      clearTimeout(timer);
      errors.push({ code: 0, text: e.message });
      resolve({ relay: null });
    });
  });
  pc.close();
  return { configured: true, urls: servers.flatMap((s) => s.urls), errors, ...result };
}

async function httpRtt(n = 5) {
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const r = await fetch('turn', { credentials: 'same-origin', cache: 'no-store' });
    await r.arrayBuffer();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]);
}

/** Downloads `bytes` from the server's self-test endpoint; {mbps, bytes, ms} or {status, retryAfter}. */
async function download(bytes) {
  const t0 = performance.now();
  const r = await fetch(`selftest?bytes=${bytes}`, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) return { status: r.status, retryAfter: Number(r.headers.get('Retry-After')) || null };
  const t1 = performance.now();  // headers: the round trip is over, the body flows from here
  const body = await r.arrayBuffer();
  const ms = Math.max(1, performance.now() - t1);
  return { bytes: body.byteLength, ms: Math.round(ms), mbps: (body.byteLength * 8) / (ms * 1000), total: performance.now() - t0 };
}

async function probeThroughput() {
  let r = await download(1024 * 1024);
  // A fast link finishes 1 MiB in a few ms, too short to time: measure again with 8 MiB.
  if (r.mbps && r.ms < 300) r = await download(8 * 1024 * 1024);
  return r;
}

/** Runs every check; `report(key, verdict)` is called as each one finishes. */
export async function runSelfTest({ rtcConfig, videoPc, pauseAudio = () => () => {} }, report = () => {}) {
  const results = {};
  const put = (key, verdict) => { results[key] = verdict; report(key, verdict); };
  const safely = async (fn) => {
    try {
      return await fn();
    } catch (e) {
      return { error: e.message || String(e) };
    }
  };
  const [udp, turn] = await Promise.all([safely(() => probeUdp(rtcConfig, pauseAudio)), safely(() => probeTurn(rtcConfig))]);
  put('udp', judgeUdp(udp));
  put('turn', judgeTurn(turn));
  let streamPair = null;
  if (videoPc()) streamPair = await safely(() => selectedPair(videoPc()));
  const http = await safely(() => httpRtt());
  put('rtt', judgeRtt({ udp, stream: streamPair?.selected || null, httpMs: typeof http === 'number' ? http : null }));
  put('throughput', judgeThroughput(await safely(probeThroughput)));
  return results;
}

// --- the panel ----------------------------------------------------------------------------------

const STYLE = `
#selftest_panel { position: fixed; right: 8px; bottom: 44px; z-index: 4; width: min(460px, calc(100vw - 16px));
  max-height: calc(100vh - 60px); overflow: auto; padding: 10px 12px; border-radius: 6px;
  background: rgba(20, 20, 24, 0.94); color: #eee; font: 13px/1.45 system-ui, sans-serif; }
#selftest_panel h2 { font-size: 14px; margin: 0 0 6px; }
#selftest_panel li { margin: 6px 0; list-style: none; }
#selftest_panel ul { padding: 0; margin: 0; }
#selftest_panel .ok { color: #9f9; } #selftest_panel .warn { color: #fd6; } #selftest_panel .fail { color: #f88; }
#selftest_panel .advice { color: #bbb; display: block; }
#selftest_panel button { margin: 8px 8px 0 0; }`;

const TITLES = { udp: 'UDP to the server', turn: 'TURN relay', rtt: 'Round trip', throughput: 'Throughput' };

export function openSelfTest(deps) {
  let panel = document.getElementById('selftest_panel');
  if (!panel) {
    const style = document.createElement('style');
    style.textContent = STYLE;
    document.head.appendChild(style);
    panel = document.createElement('div');
    panel.id = 'selftest_panel';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'Connection self-test');
    document.body.appendChild(panel);
  } else if (!panel.hidden && panel.dataset.running !== 'true') {
    panel.hidden = true;  // the button toggles the panel
    return null;
  }
  panel.hidden = false;
  if (panel.dataset.running === 'true') return null;
  panel.dataset.running = 'true';
  panel.innerHTML = '<h2>Connection self-test</h2><ul></ul><button data-act="again" disabled>Run again</button><button data-act="close">Close</button>';
  const list = panel.querySelector('ul');
  for (const key of Object.keys(TITLES)) {
    const li = document.createElement('li');
    li.dataset.check = key;
    li.textContent = `${TITLES[key]}: testing…`;
    list.appendChild(li);
  }
  panel.querySelector('[data-act="close"]').onclick = () => { panel.hidden = true; };
  const show = (key, v) => {
    const li = list.querySelector(`[data-check="${key}"]`);
    li.className = v.level;
    li.dataset.level = v.level;
    li.textContent = `${TITLES[key]}: ${v.text}`;
    if (v.advice) {
      const a = document.createElement('span');
      a.className = 'advice';
      a.textContent = v.advice;
      li.appendChild(a);
    }
  };
  const run = runSelfTest(deps, show).then((results) => {
    window.deskstream && (window.deskstream.selftest = results);
    return results;
  }).finally(() => {
    panel.dataset.running = 'false';
    const again = panel.querySelector('[data-act="again"]');
    again.disabled = false;
    again.onclick = () => { panel.hidden = true; openSelfTest(deps); };
  });
  return run;
}

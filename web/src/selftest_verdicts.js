// The connection self-test's verdicts (selftest.js): measurements → {level: ok|warn|fail, text,
// advice} in plain words. Pure module (no DOM), unit-tested with node --test.

const mbit = (v) => (v >= 100 ? Math.round(v) : v.toFixed(1));

/** `udp`: the probe's outcome {connected, timedOut, error, selected, succeeded: [{protocol, localType, remoteType, rttMs}]}. */
export function judgeUdp(udp) {
  if (!udp || (udp.error && !(udp.succeeded || []).length)) {
    return { level: 'fail', text: `the test could not run (${udp?.error || 'no result'})`, advice: 'Reload the page and try again; if it persists, the server refused the probe connection (see its log).' };
  }
  const direct = (udp.succeeded || []).filter((p) => p.protocol === 'udp' && p.localType !== 'relay' && p.remoteType !== 'relay');
  if (direct.length) {
    return { level: 'ok', text: 'UDP reaches the server directly: the stream can use its fastest path.', advice: '' };
  }
  const tcp = (udp.succeeded || []).some((p) => p.protocol === 'tcp');
  const why = tcp ? 'the probe connection could only use TCP' : `no UDP path to the server answered within ${Math.round((udp.waitMs || 8000) / 1000)} s`;
  return {
    level: 'fail',
    text: `UDP does not reach the server (${why}).`,
    advice: 'A firewall, VPN or proxy between you and the server drops UDP. The stream then needs a TURN relay over TCP/TLS (next line) or falls back to the WebSocket transport, with more latency. Allow outgoing UDP to the server, or use another network.',
  };
}

/** `turn`: {configured, relay: {protocol, address} | null, errors: [{code, text, url}], urls, error}. */
export function judgeTurn(turn) {
  if (!turn || turn.error) return { level: 'fail', text: `the test could not run (${turn?.error || 'no result'})`, advice: 'Check that this page can load the server\'s /turn (sign in again).' };
  if (!turn.configured) {
    return {
      level: 'warn',
      text: 'no TURN relay is configured (the server\'s /turn lists none).',
      advice: 'Direct connections work without one; networks that block UDP then use the WebSocket fallback. Operators: set SELKIES_TURN_HOST/PORT with SELKIES_TURN_SHARED_SECRET, or SELKIES_TURN_REST_URI.',
    };
  }
  if (turn.relay) {
    return { level: 'ok', text: `a relay was allocated with the server's credentials (${turn.relay.protocol || 'udp'} to ${turn.urls?.[0] || 'the TURN server'}).`, advice: '' };
  }
  const errors = turn.errors || [];
  if (errors.some((e) => e.code === 401 || e.code === 403 || e.code === 441)) {
    return { level: 'fail', text: 'the TURN server refused the credentials from /turn.', advice: 'The TURN shared secret (SELKIES_TURN_SHARED_SECRET) or the TURN REST service does not match the TURN server\'s; ask the operator to check them.' };
  }
  const detail = errors.length ? ` (${errors.map((e) => `${e.code} ${e.text}`.trim()).slice(0, 2).join('; ')})` : '';
  return {
    level: 'fail',
    text: `no relay could be allocated from ${turn.urls?.join(', ') || 'the TURN server'}${detail}.`,
    advice: 'The TURN server is unreachable from this network or not running. If UDP is blocked here, the TURN server needs a TCP or TLS port (turns: on 443 passes most firewalls).',
  };
}

/** {udp: probe outcome, stream: the live stream's selected pair, httpMs}. */
export function judgeRtt({ udp, stream, httpMs }) {
  const viaProbe = udp?.selected?.rttMs ?? udp?.succeeded?.find((p) => p.rttMs !== null)?.rttMs ?? null;
  const rtc = viaProbe ?? stream?.rttMs ?? null;
  const ms = rtc ?? httpMs;
  if (ms === null || ms === undefined) return { level: 'fail', text: 'could not be measured.', advice: 'The server did not answer; reload the page.' };
  const parts = [];
  if (rtc !== null) parts.push(`${rtc} ms over WebRTC`);
  if (httpMs !== null && httpMs !== undefined) parts.push(`${httpMs} ms for an HTTP request`);
  const text = parts.join(', ') + '.';
  if (ms < 80) return { level: 'ok', text, advice: '' };
  if (ms < 200) return { level: 'warn', text, advice: 'Typing and the mouse will lag a little. A wired connection, or a server closer to you, lowers it.' };
  return { level: 'fail', text, advice: 'The desktop will feel sluggish. Use a wired connection, leave VPNs off, or ask for a server closer to you.' };
}

/** {mbps, bytes, ms} or {status, retryAfter} or {error}. */
export function judgeThroughput(r) {
  if (!r || r.error) return { level: 'fail', text: `the download failed (${r?.error || 'no result'}).`, advice: 'The connection to the server broke during the test; reload and run it again.' };
  if (r.status === 429) return { level: 'warn', text: 'not measured: the server\'s self-test allowance is used up.', advice: `Run the test again in ${r.retryAfter || 60} s.` };
  if (r.status) return { level: 'fail', text: `the server answered HTTP ${r.status}.`, advice: r.status === 401 || r.status === 403 ? 'Sign in again.' : 'See the server log.' };
  const text = `${mbit(r.mbps)} Mbit/s from the server (${(r.bytes / 1048576).toFixed(0)} MiB in ${r.ms} ms).`;
  if (r.mbps >= 20) return { level: 'ok', text, advice: '' };
  if (r.mbps >= 5) return { level: 'warn', text, advice: 'Enough for a reduced picture: the server lowers the frame rate and quality to fit. Close other downloads or lower the bitrate for a steadier image.' };
  return { level: 'fail', text, advice: 'Too little for a smooth desktop. Move closer to the Wi-Fi access point, use a wired connection, or lower the bitrate and frame rate.' };
}

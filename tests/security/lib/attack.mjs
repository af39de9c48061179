// Helpers shared by the security tests: process figures and raw loopback clients (no HTTP
// library in the way, so the tests can send exactly what an attacker would).
import net from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';

export function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

export function openFds(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

// Samples the RSS of `pid` every 100 ms until stop() is called; stop() returns the peak (MiB).
export function rssSampler(pid) {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // the process is gone; the test's own assertions will say so
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

// Sends `head` and then up to `total` bytes of zeros as fast as the socket takes them, until the
// server answers (complete status line and headers), closes, or `timeoutMs` passes. Resolves
// with { status, sent (bytes handed to the socket), ms (to the answer/close), why }.
export function upload(port, head, total, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const sock = net.connect({ port, host: '127.0.0.1' });
    const chunk = Buffer.alloc(1 << 20);
    let sent = 0;
    let response = '';
    let done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ status: m ? Number(m[1]) : 0, sent, ms: Math.round(performance.now() - t0), why, response });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const pump = () => {
      while (!done && sent < total) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!sock.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          sock.once('drain', pump);
          return;
        }
      }
    };
    sock.on('connect', () => {
      sock.write(head);
      pump();
    });
    sock.on('data', (d) => {
      response += d.toString('latin1');
      if (response.includes('\r\n\r\n')) finish('answered');
    });
    sock.on('error', (e) => finish(e.code || String(e)));
    sock.on('close', () => finish('closed'));
  });
}

// Opens `count` connections to 127.0.0.1:port from the given local addresses (round robin), each
// sending an incomplete request head and then nothing. Every socket is destroyed after `holdMs`
// at the latest. Resolves when all are gone with counts: answered 503 (refused at once), closed
// by the server (with the time each stayed open), failed to connect, still open at the end.
export async function idleFlood(port, count, localAddresses, holdMs) {
  const t0 = performance.now();
  const r = { count, refused503: 0, closedByServer: 0, connectErrors: 0, heldToEnd: 0, openMs: [], maxHeld: 0 };
  const intervals = [];
  const all = [];
  for (let i = 0; i < count; i++) {
    all.push(new Promise((resolve) => {
      const sock = net.connect({ port, host: '127.0.0.1', localAddress: localAddresses[i % localAddresses.length] });
      let connectedAt = 0;
      let got = '';
      let ended = false;
      const end = (kind) => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        if (kind === 'hold') r.heldToEnd++;
        else if (kind === 'error' && !connectedAt) r.connectErrors++;
        else if (got.startsWith('HTTP/1.1 503')) r.refused503++;
        else {
          r.closedByServer++;
          r.openMs.push(performance.now() - connectedAt);
          intervals.push([connectedAt, performance.now()]);
        }
        sock.destroy();
        resolve();
      };
      const timer = setTimeout(() => end('hold'), holdMs);
      sock.on('connect', () => {
        connectedAt = performance.now();
        sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      });
      sock.on('data', (d) => { got += d.toString('latin1'); });
      sock.on('error', () => end('error'));
      sock.on('close', () => end('close'));
    }));
    if (i % 250 === 249) await new Promise((res) => setTimeout(res, 20));
  }
  await Promise.all(all);
  r.ms = Math.round(performance.now() - t0);
  // Most connections the server held open at once (from the client's side of the clock).
  const events = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  for (const [, d] of events) r.maxHeld = Math.max(r.maxHeld, (open += d));
  return r;
}

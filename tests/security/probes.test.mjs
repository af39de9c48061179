// Probes do not block the main loop. /health and /readyz answer from a cached
// X-reachability state refreshed off the main loop at most once a second: a flood of probes is
// answered correctly while other requests stay fast, and a hung X server turns them to 503 within
// a few seconds while every other request is still answered at once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startXvfb, startDeskstream, stopAll, waitFor } from '../e2e/lib/harness.mjs';
import { percentile } from './lib/attack.mjs';

after(stopAll);

const agent = new http.Agent({ keepAlive: false, maxSockets: 64 });

function get(url) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
    });
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - t0, error: e.code }));
    req.setTimeout(10000, () => req.destroy());
  });
}

async function sequential(url, n) {
  const ms = [];
  for (let i = 0; i < n; i++) ms.push((await get(url)).ms);
  return ms;
}

test('a probe flood is answered from the cache; a hung X server shows as 503 without blocking the loop', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, {});
  const quiet = await sequential(ds.url + 'health', 50);
  const quietPage = await sequential(ds.url + 'index.html', 20);
  console.log(`quiet: /health p50 ${percentile(quiet, 50)} ms, max ${percentile(quiet, 100)} ms; ` +
    `/index.html p50 ${percentile(quietPage, 50)} ms`);

  // 2,000 probes, 50 at a time, while another client loads the page over and over.
  const statuses = new Map();
  const probeMs = [];
  let next = 0;
  let flooding = true;
  const worker = async () => {
    while (next < 2000) {
      const i = next++;
      const r = await get(ds.url + (i % 2 ? 'health' : 'readyz'));
      statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
      probeMs.push(r.ms);
    }
  };
  const pageMs = [];
  const pageLoads = (async () => {
    while (flooding) pageMs.push((await get(ds.url + 'index.html')).ms);
  })();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, worker));
  const floodMs = Math.round(performance.now() - t0);
  flooding = false;
  await pageLoads;
  console.log(`flood: 2000 probes in ${floodMs} ms (${Math.round(2000 / (floodMs / 1000))}/s); statuses ` +
    `${JSON.stringify(Object.fromEntries(statuses))}; probe p50 ${percentile(probeMs, 50)} ms, ` +
    `p95 ${percentile(probeMs, 95)} ms, max ${percentile(probeMs, 100)} ms`);
  console.log(`meanwhile /index.html (${pageMs.length} loads): p50 ${percentile(pageMs, 50)} ms, ` +
    `p95 ${percentile(pageMs, 95)} ms, max ${percentile(pageMs, 100)} ms`);
  assert.deepEqual([...statuses.keys()], [200], 'every probe answered 200 while X is up');
  assert.ok(pageMs.length > 0 && pageMs.every(Boolean));

  // The X server hangs (SIGSTOP: it accepts connections but never answers). Before the cache,
  // XOpenDisplay on the main loop would have frozen every request; now the probes turn to 503
  // once the background check has been stuck for 2 s, everything else keeps answering, and the
  // probes recover when X does. (When the X server dies outright, deskstream exits through
  // Xlib's fatal I/O error on its input connection, so there is no 503 to see in that case.)
  const stoppedAt = performance.now();
  process.kill(x.proc.pid, 'SIGSTOP');
  try {
    const down = await waitFor(async () => {
      const r = await get(ds.url + 'health');
      return r.status === 503 ? r : false;
    }, 10000, '/health to report 503');
    const toDown = Math.round(performance.now() - stoppedAt);
    const readyz = await get(ds.url + 'readyz');
    const healthz = await get(ds.url + 'healthz');
    const page = await get(ds.url + 'index.html');
    console.log(`Xvfb stopped: /health 503 after ${toDown} ms (answered in ${Math.round(down.ms)} ms); ` +
      `/readyz ${readyz.status}; /healthz (liveness) ${healthz.status}; /index.html ${page.status} in ${Math.round(page.ms)} ms`);
    assert.equal(readyz.status, 503);
    assert.equal(healthz.status, 200, 'liveness does not depend on X');
    assert.equal(page.status, 200, 'the main loop is not blocked by the hung X server');
    assert.ok(toDown < 6000, `503 within a few seconds of the X server hanging (${toDown} ms)`);
  } finally {
    process.kill(x.proc.pid, 'SIGCONT');
  }
  const contAt = performance.now();
  await waitFor(async () => (await get(ds.url + 'health')).status === 200, 10000, '/health to recover');
  console.log(`Xvfb continued: /health 200 again after ${Math.round(performance.now() - contAt)} ms`);
});

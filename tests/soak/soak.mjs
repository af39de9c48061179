#!/usr/bin/env node
// Soak: N connect/disconnect cycles of real Chromium viewers against the real deskstream on a real
// Xvfb, then the server's fds, threads, RSS and GStreamer pipelines at the start and at the end,
// printed as one flat JSON object (docs/reliability.md).
//
//   node tests/soak/soak.mjs [--cycles 1000] [--warmup 10] [--check] [--rss-growth-mb 40]
//                            [--out result.json] [--kinds view,crash] [--sample-every 50]
//
// Cycles rotate through five kinds (JWT roles from tests/e2e/lib/tokens.mjs):
//   view     a view-only viewer decodes frames, then closes its page (normal close)
//   reload   a controller decodes, reloads the page, decodes again, closes
//   crash    a viewer decodes, then its renderer is killed (CDP Page.crash: no goodbye, the
//            sockets die with the process)
//   ice-cut  a viewer whose browser can reach nothing (relay-only ICE policy without a TURN
//            server: no candidate of its own, every check from the server unanswered) is closed
//            1.5 s after its answer, while the server's ICE agent is still checking
//   pair     a controller and a viewer at once (two browser contexts), both closed without a goodbye
// After each cycle the server must be back to no connection and no peer (from /metrics) before
// the next starts. "start" is the idle server before any viewer; "warm" is idle after --warmup
// cycles (the first viewer loads encoder and DTLS libraries, fills caches and thread pools once);
// "end" is idle after the last cycle, once fds and threads have settled (GLib and GStreamer
// thread pools retire idle threads after a few seconds).
// --check exits 1 unless, at the end, fds, threads and pipeline elements are back at their
// warm values (threads may be fewer), no cycle failed, and RSS grew by at most --rss-growth-mb
// from warm to end.
// DESKSTREAM_BIN picks the binary (an ASan build under scripts/soak.sh --asan).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, freePort,
  processStats, exitWithin,
} from '../e2e/lib/harness.mjs';
import { viewerTokens } from '../e2e/lib/tokens.mjs';

const { values: opt } = parseArgs({
  options: {
    cycles: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '10' },
    check: { type: 'boolean', default: false },
    'rss-growth-mb': { type: 'string', default: '40' },
    'browser-every': { type: 'string', default: '100' },
    kinds: { type: 'string' },
    'sample-every': { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
const cycles = Number(opt.cycles);
const warmup = Math.min(Number(opt.warmup), cycles);
const allKinds = ['view', 'reload', 'crash', 'ice-cut', 'pair'];
// --kinds view,crash: only those, in turn (to find which kind of cycle a leak comes from).
const kinds = opt.kinds ? opt.kinds.split(',') : allKinds;
if (kinds.some((k) => !allKinds.includes(k))) {
  console.error(`soak: --kinds takes ${allKinds.join(', ')}`);
  process.exit(2);
}
// Under ASan the server is several times slower: timeouts are generous, they bound a stuck cycle.
const frameTimeout = 60000;

const log = (s) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

// Resident memory by kind of mapping (kB), from /proc/<pid>/smaps: the main malloc heap
// ([heap]), other anonymous memory (thread stacks and the malloc arenas of other threads, which
// glibc maps anonymously), and files (code and data of the binary and the libraries).
function rssBreakdownKb(pid) {
  const out = { heap: 0, anon: 0, file: 0 };
  let kind = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind = name === '[heap]' ? 'heap' : name === '' || name.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]);
  }
  return out;
}

// Transparent huge pages among the resident anonymous memory (kB), from /proc/<pid>/smaps_rollup:
// x264 asks for them (madvise) for its frame buffers, and a huge page that is partly in use stays
// resident whole, whatever malloc_trim releases.
function anonHugeKb(pid) {
  const m = /^AnonHugePages:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function scrape(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  const value = (name) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return {
    connections: value('deskstream_connections'),
    peers: value('deskstream_peers'),
    pipelines: value('deskstream_pipelines'),
    pipeline_elements: value('deskstream_pipeline_elements'),
    pipeline_starts: value('deskstream_video_pipeline_starts_total'),
  };
}

async function snapshot(pid, metricsPort) {
  const m = await scrape(metricsPort);
  const { fds, threads } = processStats(pid);
  const parts = rssBreakdownKb(pid);
  return {
    fds, threads, rss_kb: rssKb(pid), rss_heap_kb: parts.heap, rss_anon_kb: parts.anon, rss_file_kb: parts.file,
    rss_anon_huge_kb: anonHugeKb(pid),
    pipelines: m.pipelines, pipeline_elements: m.pipeline_elements,
  };
}

// Idle: no connection, no peer, no video pipeline beyond the idle ones.
async function waitIdle(metricsPort, timeoutMs = 20000) {
  await waitFor(async () => {
    const m = await scrape(metricsPort);
    return m.connections === 0 && m.peers === 0;
  }, timeoutMs, 'no connection and no peer left on the server');
}

// The server returns freed memory 2 s and 20 s after its last connection has gone
// (session::Manager::remove): every RSS figure is taken after the second, so they compare.
const IDLE_TRIM_MS = 22000;

// Idle and settled: fds and threads stop moving (or reach `target`) for a while, and the idle
// memory trims have run.
async function settled(pid, metricsPort, target) {
  await waitIdle(metricsPort);
  await sleep(IDLE_TRIM_MS);
  let last = await snapshot(pid, metricsPort);
  const end = Date.now() + 30000;
  let stableSince = Date.now();
  while (Date.now() < end) {
    await sleep(1000);
    const now = await snapshot(pid, metricsPort);
    if (target && now.fds <= target.fds && now.threads <= target.threads
        && now.pipeline_elements === target.pipeline_elements) return now;
    if (now.fds !== last.fds || now.threads !== last.threads) stableSince = Date.now();
    last = now;
    if (!target && Date.now() - stableSince >= 5000) return now;
  }
  return last;
}

// Relay-only ICE without a TURN server: the browser has no candidate and answers no check.
const cutNetwork = `(() => {
  const Orig = window.RTCPeerConnection;
  const relayOnly = (c) => ({ ...(c || {}), iceTransportPolicy: 'relay' });
  window.RTCPeerConnection = function (config) { return new Orig(relayOnly(config)); };
  window.RTCPeerConnection.prototype = Orig.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Orig);
  const set = Orig.prototype.setConfiguration;
  Orig.prototype.setConfiguration = function (c) { return set.call(this, relayOnly(c)); };
})();`;

async function main() {
  const started = Date.now();
  const tokens = viewerTokens();
  const x = await startXvfb(1280, 720);
  xsetroot(x.display, '#305070');
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, {
    ...tokens.env,
    SELKIES_ENABLE_METRICS_HTTP: 'true',
    SELKIES_METRICS_HTTP_PORT: String(metricsPort),
  });
  const pid = ds.proc.pid;
  // Counted as the lines come (the harness keeps only the log's tail).
  const iceLines = { freed: 0, kept: 0, partial: '' };
  const countIce = (d) => {
    const lines = (iceLines.partial + d.toString()).split('\n');
    iceLines.partial = lines.pop();
    for (const line of lines) {
      if (line.includes("left in libnice's signal queue")) iceLines.freed++;
      if (/its ICE agent (is still in use|has \d+ other)/.test(line)) iceLines.kept++;
    }
  };
  ds.proc.stdout?.on('data', countIce);
  ds.proc.stderr?.on('data', countIce);
  await sleep(2000);
  const start = await settled(pid, metricsPort);
  log(`start ${JSON.stringify(start)}`);

  let browser = await launchBrowser();
  let failures = 0;
  const counts = Object.fromEntries(kinds.map((k) => [k, 0]));
  const samples = {};
  let warm = null;
  let colour = 0;

  const viewer = async (context, role) => {
    const page = await context.newPage();
    // WebRTC only: on a loaded machine ICE can take longer than the page's 5 s before it falls
    // back to the WebSocket transport (web/src/transport.js), and the soak is about peers.
    await page.goto(`${ds.url}${tokens.query(role)}&transport=webrtc`, { timeout: frameTimeout });
    return page;
  };
  const frames = async (page, who = 'viewer') => {
    // A static screen is not re-encoded: change it so a fresh viewer gets frames promptly.
    xsetroot(x.display, ['#305070', '#703050'][colour++ % 2]);
    try {
      await waitFramesDecoded(page, 1, frameTimeout);
    } catch (e) {
      const state = await page.evaluate(() => {
        const pc = window.deskstream?.video?.pc;
        const shown = document.body.innerText.replace(/\s+/g, ' ').slice(0, 160);
        return `${pc ? `${pc.connectionState}/${pc.iceConnectionState}` : 'no peer connection'}; page: ${shown}`;
      }).catch(() => 'page gone');
      throw new Error(`${who} (${state}): ${e.message}`);
    }
  };

  for (let i = 0; i < cycles; i++) {
    if (i > 0 && i % Number(opt['browser-every']) === 0) {
      // A long-lived Chromium grows by itself; the server is what is measured.
      await browser.close();
      browser = await launchBrowser();
    }
    const kind = kinds[i % kinds.length];
    counts[kind]++;
    const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
    try {
      if (kind === 'view') {
        const page = await viewer(context, 'view');
        await frames(page);
        await page.close();
      } else if (kind === 'reload') {
        const page = await viewer(context, 'control');
        await frames(page);
        await page.reload();
        await frames(page);
        await page.close();
      } else if (kind === 'crash') {
        const page = await viewer(context, 'view');
        await frames(page);
        const cdp = await context.newCDPSession(page);
        const crashed = new Promise((r) => page.once('crash', r));
        cdp.send('Page.crash').catch(() => {});  // the renderer dies: no reply ever comes
        await Promise.race([crashed, sleep(10000)]);
      } else if (kind === 'ice-cut') {
        await context.addInitScript(cutNetwork);
        const page = await viewer(context, 'view');
        // The offer is in and the answer out: the server's agent is checking, unanswered.
        await waitFor(() => page.evaluate(() => {
          const pc = window.deskstream?.video?.pc;
          return Boolean(pc && pc.remoteDescription && pc.localDescription);
        }), frameTimeout, 'the answer with the network cut');
        await sleep(1500);
        // (The page may already have given up and dropped its peer connection.)
        const state = await page.evaluate(() => window.deskstream.video.pc?.iceConnectionState ?? 'dropped');
        if (state === 'connected' || state === 'completed') throw new Error(`ICE ${state} with the network cut`);
      } else {
        // Two people, so two browser contexts: in one context both pages would share one cookie
        // jar, the second ticket's session cookie would replace the first, and both pages would
        // connect as the same user (as two controllers, the second is refused: uid busy).
        const other = await browser.newContext({ viewport: { width: 640, height: 360 } });
        try {
          const [a, b] = await Promise.all([viewer(context, 'control'), viewer(other, 'view')]);
          await Promise.all([frames(a, 'controller'), frames(b, 'viewer')]);
        } finally {
          await other.close().catch(() => {});
        }
      }
    } catch (e) {
      failures++;
      log(`cycle ${i} (${kind}) failed: ${e.message.split('\n')[0]}`);
    }
    await context.close().catch(() => {});
    try {
      await waitIdle(metricsPort);
    } catch (e) {
      failures++;
      log(`cycle ${i} (${kind}): ${e.message}`);
    }
    if (ds.proc.exitCode !== null || ds.proc.signalCode !== null) {
      throw new Error(`deskstream exited (${ds.proc.exitCode ?? ds.proc.signalCode}) in cycle ${i}`);
    }
    if (i + 1 === warmup) {
      warm = await settled(pid, metricsPort);
      log(`warm after ${warmup} cycles ${JSON.stringify(warm)}`);
    }
    const done = i + 1;
    if (done % Number(opt['sample-every']) === 0 || done === cycles) {
      samples[`rss_kb_at_${done}`] = rssKb(pid);
      const parts = rssBreakdownKb(pid);
      samples[`fds_at_${done}`] = processStats(pid).fds;
      log(`${done}/${cycles} cycles, ${failures} failed, rss ${samples[`rss_kb_at_${done}`]} kB `
        + `(heap ${parts.heap}, anon ${parts.anon}, huge ${anonHugeKb(pid)}, file ${parts.file}), fds ${samples[`fds_at_${done}`]}`);
    }
  }
  await browser.close();
  const end = await settled(pid, metricsPort, warm);
  const m = await scrape(metricsPort);
  const result = {
    cycles, warmup, failures, wall_s: Math.round((Date.now() - started) / 1000),
    binary: process.env.DESKSTREAM_BIN || 'build/apps/deskstream/deskstream',
    malloc_arena_max: process.env.MALLOC_ARENA_MAX || null,
    ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`cycles_${k}`, v])),
    ...Object.fromEntries(Object.entries(start).map(([k, v]) => [`start_${k}`, v])),
    ...Object.fromEntries(Object.entries(warm || start).map(([k, v]) => [`warm_${k}`, v])),
    ...Object.fromEntries(Object.entries(end).map(([k, v]) => [`end_${k}`, v])),
    video_pipeline_starts: m.pipeline_starts,
    end_fd_kinds: processStats(pid).fdKinds,
    ...samples,
  };
  const base = warm || start;
  const growthMb = (end.rss_kb - base.rss_kb) / 1024;
  result.rss_growth_mb = Math.round(growthMb * 10) / 10;
  const problems = [];
  if (failures > 0) problems.push(`${failures} cycles failed`);
  if (end.fds > base.fds) problems.push(`fds ${base.fds} -> ${end.fds}`);
  if (end.threads > base.threads) problems.push(`threads ${base.threads} -> ${end.threads}`);
  if (end.pipelines !== start.pipelines) problems.push(`pipelines ${start.pipelines} -> ${end.pipelines}`);
  if (end.pipeline_elements !== start.pipeline_elements) {
    problems.push(`pipeline elements ${start.pipeline_elements} -> ${end.pipeline_elements}`);
  }
  if (growthMb > Number(opt['rss-growth-mb'])) problems.push(`RSS grew ${growthMb.toFixed(1)} MB`);
  // Stop the server (SIGTERM, a clean shutdown): under ASan, LeakSanitizer reports at exit,
  // which takes a while; then the rest.
  ds.proc.kill('SIGTERM');
  await exitWithin(ds.proc, 120000);
  // Under a sanitizer stopAll() throws on a report; the report is counted below, and the
  // result is still written.
  await stopAll().catch((e) => log(`stopAll: ${e.message.split('\n')[0]}`));
  const reports = (ds.entry.log.match(/ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer/g) || []);
  result.sanitizer_reports = reports.length;
  // ICE agents the server had to free from libnice's signal queue (webrtc/ice_release.cpp), and
  // any it could not free.
  result.ice_agents_freed_from_queue = iceLines.freed;
  result.ice_agents_kept = iceLines.kept;
  result.exit_code = ds.proc.exitCode ?? ds.proc.signalCode;
  if (reports.length) {
    problems.push(`${reports.length} sanitizer reports`);
    log(`server log, sanitizer reports:\n${ds.entry.log.slice(ds.entry.log.indexOf(reports[0]) - 200)}`);
  }
  result.flat = problems.length === 0;
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  if (opt.out) writeFileSync(opt.out, json + '\n');
  if (problems.length) log(`NOT FLAT: ${problems.join('; ')}`);
  // Exit explicitly: a crashed page's CDP session can keep node's event loop alive.
  process.exit(opt.check && problems.length ? 1 : 0);
}

main().catch(async (e) => {
  log(`soak failed: ${e.stack}`);
  await stopAll();
  process.exit(2);
});

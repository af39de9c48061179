// Glass-to-glass latency benchmark driver: Xvfb + ds_painter + deskstream + headless Chromium
// (through the e2e harness). Writes one JSON result file. See bench/latency/README.md.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startXvfb, startDeskstream, launchBrowser, stopAll, sleep, waitFor, repoRoot, deskstreamBin,
} from '../../tests/e2e/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------- options
function parseArgs(argv) {
  const o = {
    runs: 3, warmup: 2, measure: 8, scenarios: [], ab: 'x264', websocket: 'x264', out: path.join(here, '../results'),
    painter: process.env.DS_PAINTER || '', periodUs: 2000, block: 16, maxMinutes: 40, quick: false,
    isolation: process.env.DS_BENCH_ISOLATION || 'none', encoders: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--quick') { o.quick = true; o.runs = 1; o.warmup = 1; o.measure = 4; }
    else if (a === '--smoke') { o.quick = true; o.runs = 1; o.warmup = 1; o.measure = 5; o.ab = 'none'; o.websocket = 'none'; o.scenarios.push('720p30-motion-x264'); o.maxMinutes = 3; }
    else if (a === '--scenario') o.scenarios.push(next());
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--measure') o.measure = Number(next());
    else if (a === '--ab') o.ab = next();           // 'x264' (default), 'all', 'none'
    else if (a === '--websocket') o.websocket = next();  // 'x264' (default), 'all', 'none'
    else if (a === '--encoders') o.encoders = next().split(',');
    else if (a === '--out') o.out = next();
    else if (a === '--painter') o.painter = next();
    else if (a === '--max-minutes') o.maxMinutes = Number(next());
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}
const opt = parseArgs(process.argv.slice(2));

// ---------- machine facts
const sh = (cmd, args) => { try { return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return null; } };
function loadavg() { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number); }
function cpuModel() { const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8')); return m ? m[1].trim() : 'unknown'; }
const availableEncoders = ['x264enc', 'vp8enc', 'vp9enc', 'openh264enc'].filter((e) => sh('gst-inspect-1.0', [e]) !== null);

// ---------- CPU accounting from /proc
const CLK_TCK = Number(sh('getconf', ['CLK_TCK']) || 100);
function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);  // utime + stime (fields 14, 15)
  } catch { return null; }
}
function ppidOf(pid) {
  try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]); } catch { return null; }
}
function descendants(root) {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const kids = new Map();
  for (const p of all) { const pp = ppidOf(p); if (pp !== null) { if (!kids.has(pp)) kids.set(pp, []); kids.get(pp).push(p); } }
  const out = [];
  const stack = [root];
  while (stack.length) { const p = stack.pop(); for (const c of kids.get(p) || []) { out.push(c); stack.push(c); } }
  return out;
}
function systemTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { total: f.reduce((a, b) => a + b, 0), idle };
}
// Ticks per group: the known pids (deskstream, Xvfb, painter) with their children, and Chromium =
// every other descendant of this node process (browser, zygotes, renderers, GPU/utility processes).
function cpuSnapshot(known) {
  const groups = {};
  const taken = new Set();
  for (const [g, pids] of Object.entries(known)) {
    groups[g] = pids.flatMap((p) => [p, ...descendants(p)]);
    groups[g].forEach((p) => taken.add(p));
  }
  groups.chromium = descendants(process.pid).filter((p) => !taken.has(p));
  const ticks = {};
  for (const [g, pids] of Object.entries(groups)) {
    ticks[g] = new Map();
    for (const p of pids) { const t = procTicks(p); if (t !== null) ticks[g].set(p, t); }
  }
  return { at: performance.now(), ticks, sys: systemTicks() };
}
function cpuPercent(a, b) {
  const secs = (b.at - a.at) / 1000;
  const out = {};
  for (const g of Object.keys(b.ticks)) {
    let d = 0;
    for (const [p, t] of b.ticks[g]) { if (a.ticks[g] && a.ticks[g].has(p)) d += t - a.ticks[g].get(p); }
    out[g] = Math.round((1000 * d) / CLK_TCK / secs) / 10;  // % of one core, 0.1 resolution
  }
  const total = b.sys.total - a.sys.total;
  out.system_busy_pct_of_all_cores = total > 0 ? Math.round((1000 * (total - (b.sys.idle - a.sys.idle))) / total) / 10 : null;
  return out;
}

// ---------- stats
const quantile = (sorted, q) => {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};
const median = (xs) => quantile([...xs].filter((x) => x !== null && !Number.isNaN(x)).sort((a, b) => a - b), 0.5);
const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10);

async function inboundStats(page) {
  return page.evaluate(async () => {
    const pc = window.deskstream?.video?.pc;
    if (!pc) return null;
    const stats = await pc.getStats();
    let v = null; const codecs = {};
    stats.forEach((s) => { if (s.type === 'codec') codecs[s.id] = s.mimeType; });
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        v = {
          bytesReceived: s.bytesReceived, framesDecoded: s.framesDecoded, framesDropped: s.framesDropped,
          framesReceived: s.framesReceived, decoderImplementation: s.decoderImplementation,
          jitterBufferDelay: s.jitterBufferDelay, jitterBufferEmittedCount: s.jitterBufferEmittedCount,
          jitterBufferTargetDelay: s.jitterBufferTargetDelay, totalDecodeTime: s.totalDecodeTime,
          totalProcessingDelay: s.totalProcessingDelay, totalAssemblyTime: s.totalAssemblyTime,
          packetsLost: s.packetsLost, nackCount: s.nackCount, pliCount: s.pliCount, keyFramesDecoded: s.keyFramesDecoded,
          frameWidth: s.frameWidth, frameHeight: s.frameHeight, codec: codecs[s.codecId] || null, t: performance.now(),
        };
      }
    });
    return v;
  });
}

// ---------- scenarios
const resolutions = [
  { key: '720p30-static', w: 1280, h: 720, fps: 30, motion: false, kbps: 4000 },
  { key: '720p30-motion', w: 1280, h: 720, fps: 30, motion: true, kbps: 4000 },
  { key: '1080p30-static', w: 1920, h: 1080, fps: 30, motion: false, kbps: 8000 },
  { key: '1080p30-motion', w: 1920, h: 1080, fps: 30, motion: true, kbps: 8000 },
  { key: '720p60-motion', w: 1280, h: 720, fps: 60, motion: true, kbps: 4000 },
  // Idle: the painter draws one barcode and exits, so the screen does not change at all while
  // the CPU is measured (the cost of an unchanging desktop; no latency samples).
  { key: '720p30-idle', w: 1280, h: 720, fps: 30, motion: false, idle: true, kbps: 4000 },
  { key: '1080p30-idle', w: 1920, h: 1080, fps: 30, motion: false, idle: true, kbps: 8000 },
];
const short = (e) => e.replace(/enc$/, '');
let scenarios = [];
for (const enc of opt.encoders ? opt.encoders.map((e) => (e.endsWith('enc') ? e : `${e}enc`)) : availableEncoders) {
  for (const r of resolutions) scenarios.push({ ...r, encoder: enc, name: `${r.key}-${short(enc)}` });
}
if (opt.scenarios.length) scenarios = scenarios.filter((s) => opt.scenarios.some((p) => s.name === p || s.name.includes(p)));
else if (opt.quick) scenarios = scenarios.filter((s) => s.encoder === 'x264enc');
if (!scenarios.length) { console.error('no scenario matches'); process.exit(2); }
// The WebSocket transport (docs/protocol-websocket.md) against the same server, the page opened
// with ?transport=websocket: H.264/VP8/VP9 scenarios.
const wantsWs = (s) => !s.idle && ['x264enc', 'vp8enc', 'vp9enc', 'openh264enc'].includes(s.encoder)
  && (opt.websocket === 'all' || (opt.websocket !== 'none' && s.encoder === `${opt.websocket.replace(/enc$/, '')}enc`));
const wantsAB = (s) => opt.ab === 'all' || (opt.ab !== 'none' && s.encoder === `${opt.ab.replace(/enc$/, '')}enc`);

// ---------- one measured run
const decoderSrc = readFileSync(path.join(here, 'decode.js'), 'utf8');
const timelineSrc = readFileSync(path.join(here, 'timeline.js'), 'utf8');
const BASELINE = {
  description: 'Naive baseline in the same run, on the same X screen: a second deskstream started with '
    + 'DESKSTREAM_BENCH_BASELINE=true streams through videoconvert and plain `x264enc tune=zerolatency '
    + 'bitrate=<same kbit/s>` (x264 defaults otherwise: preset medium, keyint 250; the profile is what the negotiated caps allow), encodes every '
    + 'frame (no static-screen skip) and sends no playout-delay header extension. In the browser, the '
    + 'a=extmap line for playout-delay is stripped from the offer and RTCRtpReceiver.jitterBufferTarget / '
    + 'playoutDelayHint are made no-ops (the web client sets both to 0 every second). The signalling, '
    + 'webrtcbin settings and the answer munging of the web client are the same as ours.',
};

async function oneRun(browser, s, variant, known, url) {
  const ctx = await browser.newContext({ viewport: { width: s.w, height: s.h } });
  try {
    await ctx.addInitScript(`window.__dsBenchCfg = ${JSON.stringify({ variant, block: opt.block, cols: 20, rows: 4 })};`);
    await ctx.addInitScript(decoderSrc);
    await ctx.addInitScript(timelineSrc);
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const opened = Date.now();
    await page.goto(url);
    // Idle: the barcode on screen is older than decode.js accepts, so wait for any frame.
    if (s.idle) await waitFor(() => page.evaluate(() => window.__dsBench && window.__dsBench.callbacks > 0), 20000, 'first frame');
    else await waitFor(() => page.evaluate(() => window.__dsBench && window.__dsBench.samples.length > 0), 20000, 'first decoded barcode');
    const firstWall = await page.evaluate((idle) => (idle ? window.__dsBench.firstCallbackWall : window.__dsBench.firstFrameWall), !!s.idle);
    // Where the time to the first frame went: each step in ms after the call to page.goto.
    const phases = await page.evaluate(() => ({ origin: performance.timeOrigin, steps: { ...(window.__dsTimeline || {}) }, shown: window.__dsBench.firstCallbackWall }));
    const ttffPhases = { navigation_started: Math.round(phases.origin - opened) };
    for (const [k, v] of Object.entries(phases.steps)) ttffPhases[k] = Math.round(phases.origin + v - opened);
    if (phases.shown !== null) ttffPhases.first_frame_shown = Math.round(phases.shown - opened);
    ttffPhases.first_frame = Math.round(firstWall - opened);
    await sleep((s.idle ? Math.max(opt.warmup, 3) : opt.warmup) * 1000);
    const st0 = await inboundStats(page);
    const c0 = cpuSnapshot(known);
    const b0 = await page.evaluate(() => ({ n: window.__dsBench.samples.length, bad: window.__dsBench.bad, rep: window.__dsBench.repeats, cb: window.__dsBench.callbacks, t: performance.timeOrigin + performance.now() }));
    // DS_BENCH_PERF=<dir>: sample deskstream with perf during the measurement window.
    let perf = null;
    if (process.env.DS_BENCH_PERF) {
      mkdirSync(process.env.DS_BENCH_PERF, { recursive: true });
      perf = spawn('perf', ['record', '-q', '-F', '499', '-g', '-p', String(known.deskstream[0]),
        '-o', path.join(process.env.DS_BENCH_PERF, `${s.name}-${variant}.data`), '--', 'sleep', String(opt.measure)], { stdio: 'ignore' });
    }
    await sleep(opt.measure * 1000);
    if (perf) await new Promise((r) => (perf.exitCode !== null ? r() : perf.once('exit', r)));
    const b1 = await page.evaluate(() => ({ n: window.__dsBench.samples.length, bad: window.__dsBench.bad, rep: window.__dsBench.repeats, cb: window.__dsBench.callbacks, t: performance.timeOrigin + performance.now() }));
    const c1 = cpuSnapshot(known);
    const st1 = await inboundStats(page);
    const decoderImpl = await page.evaluate(async () => {
      let st = null;
      try {
        st = await navigator.mediaDevices.getUserMedia({ video: true });
        let v = null;
        (await window.deskstream.video.pc.getStats()).forEach((x) => { if (x.type === 'inbound-rtp' && x.kind === 'video') v = x.decoderImplementation; });
        return v || null;
      } catch (e) { return null; } finally { if (st) st.getTracks().forEach((t) => t.stop()); }
    });
    const info = await page.evaluate(({ from, to }) => {
      const b = window.__dsBench;
      return {
        samples: b.samples.slice(from, to), offerHadPlayoutDelay: b.offerHadPlayoutDelay, answerHasPlayoutDelay: b.answerHasPlayoutDelay,
        jitterBufferTarget: b.jitterBufferTarget, clockOffsetMs: b.clockOffsetMs, errors: b.errors,
      };
    }, { from: b0.n, to: b1.n });
    const secs = (b1.t - b0.t) / 1000;
    // The WebSocket variant: the page's own counters (web/src/ws_transport.js).
    const wsStats = variant === 'websocket' ? await page.evaluate(() => window.deskstream.ws?.stats ?? null) : null;
    // Idle: the one barcode on screen is old, so its "latency" means nothing; only CPU and the
    // frame rate (every rVFC callback, repeats included) are reported.
    if (s.idle) info.samples = [];
    // Headline: wall time when the frame callback runs. rVFC's `now` argument (vsync-aligned
    // start of the rendering step) can precede the frame's arrival, so it is reported apart.
    // Column `i` of the samples (decode.js) minus the painted time, sorted; frames without it left out.
    const sincePainted = (i) => info.samples.filter((x) => x[i] !== null && x[i] !== undefined).map((x) => x[i] - x[0]).sort((a, b) => a - b);
    const percentiles = (v) => ({ median: r1(quantile(v, 0.5)), p95: r1(quantile(v, 0.95)), p99: r1(quantile(v, 0.99)) });
    const lat = sincePainted(4);
    const latNow = sincePainted(1);
    const p2r = sincePainted(2);
    const shown = sincePainted(5);
    // rVFC's presentationTime: when the compositor took the frame, before any rendering step.
    const toCompositor = sincePainted(6);
    const first = info.samples[0], lastS = info.samples[info.samples.length - 1];
    const presented = first && lastS && first[3] !== null ? lastS[3] - first[3] : null;
    const d = (k) => (st0 && st1 && st1[k] !== undefined && st0[k] !== undefined ? st1[k] - st0[k] : null);
    const res = {
      variant,
      frames: lat.length,
      latency_ms: { ...percentiles(lat), min: r1(lat[0]), max: r1(lat[lat.length - 1]) },
      rvfc_now_latency_ms: percentiles(latNow),
      paint_to_receive_ms: p2r.length ? { median: r1(quantile(p2r, 0.5)), p95: r1(quantile(p2r, 0.95)) } : null,
      expected_display_latency_ms: shown.length ? percentiles(shown) : null,
      presentation_latency_ms: toCompositor.length ? percentiles(toCompositor) : null,
      fps_rendered: r1((s.idle ? b1.cb - b0.cb : lat.length) / secs),
      fps_presented: presented !== null && info.samples.length > 1 ? r1(presented / ((lastS[1] - first[1]) / 1000)) : null,
      bad_frames: b1.bad - b0.bad,
      repeated_callbacks: b1.rep - b0.rep,
      time_to_first_frame_ms: Math.round(firstWall - opened),
      time_to_first_frame_steps_ms: ttffPhases,
      cpu_pct_of_one_core: cpuPercent(c0, c1),
      bitrate_kbps: d('bytesReceived') !== null ? Math.round((8 * d('bytesReceived')) / secs / 1000) : null,
      decoder_implementation: decoderImpl ?? st1?.decoderImplementation ?? null,
      codec: st1?.codec ?? null,
      frame_size: st1 ? `${st1.frameWidth}x${st1.frameHeight}` : null,
      frames_decoded: d('framesDecoded'),
      frames_dropped: d('framesDropped'),
      jitter_buffer_ms_per_frame: d('jitterBufferEmittedCount') ? r1((1000 * d('jitterBufferDelay')) / d('jitterBufferEmittedCount')) : null,
      decode_ms_per_frame: d('framesDecoded') ? r1((1000 * d('totalDecodeTime')) / d('framesDecoded')) : null,
      packets_lost: d('packetsLost'), nacks: d('nackCount'), plis: d('pliCount'),
      offer_had_playout_delay: info.offerHadPlayoutDelay,
      answer_has_playout_delay: info.answerHasPlayoutDelay,
      jitter_buffer_target: info.jitterBufferTarget ?? null,
      clock_offset_ms: r1(info.clockOffsetMs),
      measure_s: r1(secs),
      load_avg: loadavg(),
      page_errors: [...errors, ...info.errors].slice(0, 5),
      websocket: wsStats ? {
        frames_received: wsStats.framesReceived, frames_decoded: wsStats.framesDecoded,
        receive_to_draw_ms_per_frame: wsStats.framesDecoded ? r1(wsStats.receiveToDrawMs / wsStats.framesDecoded) : null,
      } : null,
      latencies_ms: lat.map((x) => Math.round(x * 10) / 10),
    };
    return res;
  } finally {
    await ctx.close().catch(() => {});
  }
}

function summarise(runs) {
  const ok = runs.filter((r) => !r.error);
  const m = (f) => r1(median(ok.map(f).filter((x) => x !== null && x !== undefined)));
  const pooled = ok.flatMap((r) => r.latencies_ms).sort((a, b) => a - b);
  const cpu = {};
  for (const g of ['deskstream', 'chromium', 'xvfb', 'painter', 'system_busy_pct_of_all_cores']) cpu[g] = m((r) => r.cpu_pct_of_one_core[g]);
  return {
    runs: runs.length, failed_runs: runs.length - ok.length,
    latency_ms: { median: m((r) => r.latency_ms.median), p95: m((r) => r.latency_ms.p95), p99: m((r) => r.latency_ms.p99) },
    latency_pooled_ms: { median: r1(quantile(pooled, 0.5)), p95: r1(quantile(pooled, 0.95)), p99: r1(quantile(pooled, 0.99)), n: pooled.length },
    rvfc_now_latency_ms: { median: m((r) => r.rvfc_now_latency_ms?.median), p95: m((r) => r.rvfc_now_latency_ms?.p95) },
    paint_to_receive_ms: { median: m((r) => r.paint_to_receive_ms?.median), p95: m((r) => r.paint_to_receive_ms?.p95) },
    expected_display_latency_ms: { median: m((r) => r.expected_display_latency_ms?.median), p95: m((r) => r.expected_display_latency_ms?.p95) },
    presentation_latency_ms: { median: m((r) => r.presentation_latency_ms?.median), p95: m((r) => r.presentation_latency_ms?.p95) },
    fps_rendered: m((r) => r.fps_rendered), fps_presented: m((r) => r.fps_presented),
    bad_frames: ok.reduce((a, r) => a + r.bad_frames, 0), frames: ok.reduce((a, r) => a + r.frames, 0),
    time_to_first_frame_ms: m((r) => r.time_to_first_frame_ms),
    time_to_first_frame_steps_ms: Object.fromEntries(Object.keys(ok[0]?.time_to_first_frame_steps_ms || {})
      .map((k) => [k, m((r) => r.time_to_first_frame_steps_ms?.[k])])),
    cpu_pct_of_one_core: cpu,
    bitrate_kbps: m((r) => r.bitrate_kbps),
    jitter_buffer_ms_per_frame: m((r) => r.jitter_buffer_ms_per_frame),
    decode_ms_per_frame: m((r) => r.decode_ms_per_frame),
    decoder_implementation: ok[0]?.decoder_implementation ?? null,
  };
}

// ---------- main
const deadline = Date.now() + opt.maxMinutes * 60000;
const watchdog = setTimeout(async () => { console.error(`bench: time limit of ${opt.maxMinutes} min reached`); await stopAll(); process.exit(3); }, opt.maxMinutes * 60000 + 60000);
watchdog.unref();
if (!opt.painter || !existsSync(opt.painter)) { console.error(`bench: ds_painter not found (${opt.painter}); pass --painter or DS_PAINTER`); process.exit(2); }
if (!existsSync(deskstreamBin)) { console.error(`bench: deskstream not found at ${deskstreamBin}; set DESKSTREAM_BIN`); process.exit(2); }

const started = new Date();
const result = {
  schema: 1,
  started: started.toISOString(),
  command: `bench/latency/run.sh ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cores: os.cpus().length, nproc: Number(sh('nproc', []) || os.cpus().length), cpu_model: cpuModel(), mem_gib: r1(os.totalmem() / 2 ** 30),
    kernel: os.release(), load_avg_start: loadavg(),
  },
  software: {
    chromium: sh('/usr/lib/chromium/chromium', ['--version']) || sh('chromium', ['--version']),
    gstreamer: sh('gst-inspect-1.0', ['--version'])?.split('\n')[1] ?? null,
    x264: sh('dpkg-query', ['-W', '-f=${Version}', 'libx264-164']),
    node: process.version,
    deskstream_bin: deskstreamBin,
    deskstream_commit: process.env.DS_BENCH_COMMIT || sh('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']),
  },
  network: opt.isolation,
  config: { runs: opt.runs, warmup_s: opt.warmup, measure_s: opt.measure, painter_period_us: opt.periodUs, barcode: `${opt.block}px squares, 20x4, 64-bit CLOCK_REALTIME us + CRC-16`, ab: opt.ab },
  latency_definition: 'latency_ms: wall time when the requestVideoFrameCallback callback runs (performance.timeOrigin + performance.now()) minus the CLOCK_REALTIME time ds_painter wrote into the barcode. rvfc_now_latency_ms uses the callback\'s now argument instead: the vsync-aligned start of the rendering step, which can precede the frame\'s arrival and so reads low. paint_to_receive_ms uses metadata.receiveTime (last packet received). presentation_latency_ms uses metadata.presentationTime: when the compositor thread made the frame current and submitted it, before the rendering step that runs the callback. Scenario figures are the median over runs of each run\'s statistic; latency_pooled_ms pools all frames.',
  baseline: BASELINE,
  scenarios: [],
};
const outFile = path.join(opt.out, `${started.toISOString().replace(/[:]/g, '').replace(/\..*/, '')}.json`);
mkdirSync(opt.out, { recursive: true });
const save = () => writeFileSync(outFile, JSON.stringify(result, null, 1));

// The fake capture device is only opened for a moment after each measurement window: Chromium
// exposes decoderImplementation in getStats only to a page that is capturing.
const browser = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
try {
  for (const s of scenarios) {
    if (Date.now() > deadline) { console.error(`bench: time budget spent, skipping ${s.name}`); result.scenarios.push({ name: s.name, skipped: 'time budget' }); continue; }
    const x = await startXvfb(s.w, s.h);
    const painter = spawn(opt.painter, ['--period-us', String(opt.periodUs), '--block', String(opt.block), ...(s.motion ? ['--motion', '--motion-hz', String(Math.max(60, s.fps))] : []), ...(s.idle ? ['--duration-s', '1'] : [])], {
      env: { ...process.env, DISPLAY: x.display }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let painterLog = '';
    painter.stderr.on('data', (d) => { painterLog += d; });
    const ds = await startDeskstream(x.display, {
      SELKIES_ENCODER: s.encoder, SELKIES_FRAMERATE: String(s.fps), SELKIES_VIDEO_BITRATE: String(s.kbps),
      SELKIES_ENABLE_RESIZE: 'false',
      // A/B of the web client: DS_BENCH_WEB_ROOT serves another checkout's web/ (with DESKSTREAM_BIN).
      ...(process.env.DS_BENCH_WEB_ROOT ? { SELKIES_WEB_ROOT: process.env.DS_BENCH_WEB_ROOT } : {}),
    });
    const variants = wantsAB(s) ? ['ours', 'baseline'] : ['ours'];
    if (wantsWs(s)) variants.push('websocket');
    const servers = { ours: ds, websocket: ds };
    if (variants.includes('baseline')) {
      servers.baseline = await startDeskstream(x.display, {
        SELKIES_ENCODER: s.encoder, SELKIES_FRAMERATE: String(s.fps), SELKIES_VIDEO_BITRATE: String(s.kbps),
        SELKIES_ENABLE_RESIZE: 'false', DESKSTREAM_BENCH_BASELINE: 'true',
      });
    }
    const knownFor = (v) => ({ deskstream: [servers[v].proc.pid], xvfb: [x.proc.pid], painter: [painter.pid] });
    const runs = Object.fromEntries(variants.map((v) => [v, []]));
    for (let i = 0; i < opt.runs; i++) {
      for (const v of (i % 2 ? [...variants].reverse() : variants)) {
        try {
          const url = v === 'websocket' ? `${servers[v].url}?transport=websocket` : servers[v].url;
          const r = await oneRun(browser, s, v, knownFor(v), url);
          runs[v].push(r);
          if (r.websocket) console.log(`${s.name} websocket run ${i + 1}: ${JSON.stringify(r.websocket)}`);
          console.log(`${s.name} ${v} run ${i + 1}: median ${r.latency_ms.median} ms p95 ${r.latency_ms.p95} p2r ${r.paint_to_receive_ms?.median} shown ${r.expected_display_latency_ms?.median} presented ${r.presentation_latency_ms?.median} fps ${r.fps_rendered} bad ${r.bad_frames} ttff ${r.time_to_first_frame_ms} ms (${Object.entries(r.time_to_first_frame_steps_ms || {}).map(([k, v]) => `${k} ${v}`).join(", ")}) cpu ds ${r.cpu_pct_of_one_core.deskstream}% chr ${r.cpu_pct_of_one_core.chromium}% xvfb ${r.cpu_pct_of_one_core.xvfb}% ${r.bitrate_kbps} kbps ${r.decoder_implementation} load ${r.load_avg[0]}`);
        } catch (e) {
          console.log(`${s.name} ${v} run ${i + 1}: FAILED ${e.message}`);
          runs[v].push({ variant: v, error: e.message, deskstream_log_tail: servers[v].entry.log.slice(-2000) });
        }
      }
    }
    painter.kill('SIGTERM');
    await new Promise((r) => (painter.exitCode !== null ? r() : painter.once('exit', r)));
    await stopAll();
    const entry = {
      name: s.name, width: s.w, height: s.h, fps: s.fps, motion: s.motion, idle: !!s.idle, encoder: s.encoder, bitrate_kbps: s.kbps,
      painter: painterLog.trim(),
      variants: Object.fromEntries(Object.entries(runs).map(([v, rs]) => [v, { summary: summarise(rs), runs: rs }])),
    };
    if (entry.variants.baseline) {
      const a = entry.variants.ours.summary, b = entry.variants.baseline.summary;
      const ratio = (x, y) => (x !== null && y ? Math.round((100 * x) / y) / 100 : null);
      entry.ratio_ours_over_baseline = {
        median: ratio(a.latency_ms.median, b.latency_ms.median), p95: ratio(a.latency_ms.p95, b.latency_ms.p95),
        deskstream_cpu: ratio(a.cpu_pct_of_one_core.deskstream, b.cpu_pct_of_one_core.deskstream),
      };
    }
    if (entry.variants.websocket) {
      const a = entry.variants.websocket.summary, b = entry.variants.ours.summary;
      const ratio = (x, y) => (x !== null && y ? Math.round((100 * x) / y) / 100 : null);
      entry.ratio_websocket_over_webrtc = {
        median: ratio(a.latency_ms.median, b.latency_ms.median), p95: ratio(a.latency_ms.p95, b.latency_ms.p95),
        pooled_median: ratio(a.latency_pooled_ms.median, b.latency_pooled_ms.median),
        expected_display_median: ratio(a.expected_display_latency_ms.median, b.expected_display_latency_ms.median),
        presentation_median: ratio(a.presentation_latency_ms.median, b.presentation_latency_ms.median),
      };
    }
    result.scenarios.push(entry);
    save();
  }
} finally {
  await browser.close().catch(() => {});
  await stopAll();
}
result.finished = new Date().toISOString();
result.machine.load_avg_end = loadavg();
save();
console.log(`bench: wrote ${outFile}`);
process.exit(result.scenarios.some((s) => s.variants && s.variants.ours.summary.frames > 0) ? 0 : 1);

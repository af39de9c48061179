// Viewer scaling: what each extra viewer of one 720p30 motion stream costs the
// server. A moving desktop (ds_painter --motion on a 1280x720 Xvfb, 30 fps, 4 Mbit/s) is streamed
// to 1, 2, 4, 8 and 16 light viewers (ds_load_viewer: receive-only webrtcbin, counts RTP, never
// decodes), one step after another in the same run. Each step: all viewers connected and
// receiving, 3 s to settle, then deskstream's CPU time (utime+stime from /proc/<pid>/stat) and
// RSS (VmRSS) over `--seconds`, and each viewer's frames (RTP marker bits) and bytes. The 1-viewer
// step is the baseline: per extra viewer = (step - baseline) / (viewers - 1).
//
//   node bench/load/run.mjs [--viewers 1,2,4,8,16] [--seconds 20] [--rounds 1] [--cc] [--out DIR] [--smoke]
//
// --rounds R runs the whole list R times; each step's CPU is then the median of its rounds (the
// machine is shared, single rounds are noisy) and RSS the first round's. The JSON also has the
// least-squares slope of CPU and RSS over the viewer count (every round's points).
//
// Needs a build (deskstream, ds_painter, ds_load_viewer; DESKSTREAM_BIN, DS_PAINTER and
// DS_LOAD_VIEWER override the paths) and tests/e2e's node_modules. Writes DIR/load-<time>.json
// (default bench/results). --smoke: 1 and 2 viewers for 3 s, fails unless every viewer got frames.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startXvfb, startDeskstream, waitFor, sleep, stopAll, repoRoot } from '../../tests/e2e/lib/harness.mjs';
import { viewerTokens } from '../../tests/e2e/lib/tokens.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const smoke = argv.includes('--smoke');
const steps = (opt('--viewers', smoke ? '1,2' : '1,2,4,8,16')).split(',').map(Number);
const seconds = Number(opt('--seconds', smoke ? 3 : 20));
const rounds = Number(opt('--rounds', 1));
const congestion = argv.includes('--cc');
const outDir = path.resolve(opt('--out', path.join(repoRoot, 'bench/results')));
const build = path.join(repoRoot, 'build');
const painter = process.env.DS_PAINTER || path.join(build, 'bench/ds_painter');
const loadViewer = process.env.DS_LOAD_VIEWER || path.join(build, 'bench/ds_load_viewer');
const ticks = 100;  // USER_HZ

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticks;  // utime, stime
}
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const threads = (pid) => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

// N viewers in one ds_load_viewer process; `last` is its latest JSON line.
function startViewers(url, token, n) {
  const proc = spawn(loadViewer, ['--url', url, '--token', token, '--viewers', String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { proc, last: null, errors: '' };
  createInterface({ input: proc.stdout }).on('line', (l) => { try { state.last = JSON.parse(l); } catch { /* partial */ } });
  proc.stderr.on('data', (d) => { state.errors += d; });
  return state;
}

async function stopViewers(v) {
  if (v.proc.exitCode !== null) return;
  v.proc.kill('SIGTERM');
  await new Promise((r) => v.proc.once('exit', r));
}

async function step(ds, signalling, token, n) {
  const v = startViewers(signalling, token, n);
  try {
    await waitFor(() => {
      if (v.proc.exitCode !== null) throw new Error(`ds_load_viewer exited: ${v.errors}`);
      const l = v.last;
      return l && l.connected === n && l.viewers.every((x) => x.frames > 0);
    }, 60000, `${n} viewers connected and receiving`);
    await sleep(3000);
    const pid = ds.proc.pid;
    const c0 = cpuSeconds(pid);
    const r0 = cpuSeconds(v.proc.pid);
    const s0 = v.last;
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const wall = (Date.now() - t0) / 1000;
    const s1 = v.last;
    const row = {
      viewers: n,
      server_cpu_percent: +(100 * (cpuSeconds(pid) - c0) / wall).toFixed(1),
      server_rss_mib: +rssMiB(pid).toFixed(1),
      server_threads: threads(pid),
      receiver_cpu_percent: +(100 * (cpuSeconds(v.proc.pid) - r0) / wall).toFixed(1),
      viewer_fps: s1.viewers.map((x, i) => +((x.frames - s0.viewers[i].frames) / wall).toFixed(1)),
      viewer_kbps: s1.viewers.map((x, i) => Math.round(((x.bytes - s0.viewers[i].bytes) * 8) / 1000 / wall)),
    };
    const fps = row.viewer_fps;
    console.log(`${String(n).padStart(2)} viewers: deskstream ${String(row.server_cpu_percent).padStart(5)} % of a core, ` +
      `RSS ${row.server_rss_mib.toFixed(1)} MiB, ${row.server_threads} threads; viewer fps ${Math.min(...fps)}..${Math.max(...fps)}, ` +
      `receiver ${row.receiver_cpu_percent} %`);
    return row;
  } finally {
    await stopViewers(v);
  }
}

async function main() {
  const x = await startXvfb(1280, 720);
  const paint = spawn(painter, ['--motion'], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  const tokens = viewerTokens();
  const token = tokens.query('view').slice('?token='.length);
  const ds = await startDeskstream(x.display, {
    ...tokens.env, SELKIES_VIDEO_BITRATE: '4000', SELKIES_FRAMERATE: '30', SELKIES_ENCODER: 'x264enc',
    SELKIES_CONGESTION_CONTROL: congestion ? 'true' : 'false',
    DESKSTREAM_MAX_PEERS: '64', DESKSTREAM_MAX_PEERS_PER_USER: '64',
  });
  const signalling = ds.url.replace('http', 'ws') + 'webrtc/signalling/';
  const samples = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const n of steps) {
        samples.push({ round, ...(await step(ds, signalling, token, n)) });
        // The last viewer's exit stops the pipeline; the next step starts it again.
        await waitFor(() => /last viewer left; video pipeline stopped/.test(ds.entry.log.slice(-4000)), 15000, 'the viewers gone');
        await sleep(1000);
      }
    }
  } finally {
    paint.kill();
  }
  const median = (a) => { const b = [...a].sort((x, y) => x - y); return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
  // RSS from the first round: a fresh process's growth per viewer. (After the 16-viewer step the
  // heap is not given back to the system, so later rounds start higher; reported as retained.)
  const rows = steps.map((n) => {
    const mine = samples.filter((r) => r.viewers === n);
    return { ...mine[0], round: undefined, server_cpu_percent: +median(mine.map((r) => r.server_cpu_percent)).toFixed(1),
      server_cpu_percent_rounds: mine.map((r) => r.server_cpu_percent), server_rss_mib_rounds: mine.map((r) => r.server_rss_mib) };
  });
  const slope = (key, points) => {
    const xs = points.map((r) => r.viewers);
    const ys = points.map((r) => r[key]);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return sxx > 0 ? +(sxy / sxx).toFixed(2) : null;
  };
  const base = rows.find((r) => r.viewers === 1) || rows[0];
  for (const r of rows) {
    r.cpu_ratio_to_1 = +(r.server_cpu_percent / base.server_cpu_percent).toFixed(2);
    if (r.viewers > base.viewers) {
      const extra = r.viewers - base.viewers;
      r.cpu_percent_per_extra_viewer = +((r.server_cpu_percent - base.server_cpu_percent) / extra).toFixed(2);
      r.rss_mib_per_extra_viewer = +((r.server_rss_mib - base.server_rss_mib) / extra).toFixed(2);
    }
  }
  const encoder = /video encoder: (\S+)/.exec(ds.entry.log)?.[1] || 'x264enc';
  const out = {
    when: new Date().toISOString(),
    host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() },
    conditions: {
      resolution: '1280x720', fps: 30, bitrate_kbps: 4000, encoder, source: 'ds_painter --motion',
      congestion_control: congestion, seconds, receiver: 'ds_load_viewer (webrtcbin, receive-only, no decoding), all viewers in one process',
    },
    goal: { cpu_percent_per_extra_viewer: 3, rss_mib_per_extra_viewer: 20 },
    fit: { cpu_percent_per_viewer: slope('server_cpu_percent', samples),
      rss_mib_per_viewer: slope('server_rss_mib', samples.filter((r) => r.round === 0)) },
    rows,
    samples,
  };
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `load-${out.when.replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  for (const r of rows.filter((x) => x.cpu_percent_per_extra_viewer !== undefined)) {
    console.log(`${r.viewers} viewers: +${r.cpu_percent_per_extra_viewer} % of a core and +${r.rss_mib_per_extra_viewer} MiB per extra viewer (CPU x${r.cpu_ratio_to_1} of 1 viewer)`);
  }
  console.log(`least-squares fit over ${samples.length} points: +${out.fit.cpu_percent_per_viewer} % of a core and +${out.fit.rss_mib_per_viewer} MiB per viewer`);
  console.log(`wrote ${file}`);
  if (smoke && !rows.every((r) => r.viewer_fps.every((f) => f > 0))) throw new Error('a viewer received no frames');
}

main().then(() => stopAll(), async (e) => { console.error(e); await stopAll(); process.exit(1); });

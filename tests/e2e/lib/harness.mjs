// Shared end-to-end harness: a real Xvfb, the real deskstream binary, Debian's Chromium through
// playwright-core. Every process started here is killed by stopAll().
import { spawn, execFileSync } from 'node:child_process';
import {
  appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const deskstreamBin = process.env.DESKSTREAM_BIN || path.join(repoRoot, 'build/apps/deskstream/deskstream');

const started = [];
const tempDirs = [];

// A private temp dir, removed by stopAll() (tests leave /tmp as they found it).
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Resolves true when `proc` exits, false after `ms`. The timer is cleared when the process exits
// first: a pending sleep(ms) would keep node's event loop (so the test file's process, so ctest)
// waiting for the whole `ms` after the last test (60 s per file under a sanitizer).
export function exitWithin(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { proc.off('exit', onExit); resolve(false); }, ms);
    function onExit() { clearTimeout(timer); resolve(true); }
    proc.once('exit', onExit);
  });
}

// Ports this process has handed out. The kernel may give a port back to the next bind(0) once it
// is closed, so two calls in a row (SELKIES_PORT and the metrics port) could name the same one.
const handedOutPorts = new Set();

function unusedPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// A port free now and not handed out before by this process.
export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await unusedPort();
    if (!handedOutPorts.has(port)) {
      handedOutPorts.add(port);
      return port;
    }
  }
  throw new Error('no port that this process has not handed out already, after 100 tries');
}

function freeDisplay() {
  for (let n = 60 + Math.floor(Math.random() * 200); n < 1000; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

// Thrown by a waitFor predicate when waiting longer cannot help (the process has exited).
export class StopWaiting extends Error {}

export async function waitFor(predicate, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      last = e;
    }
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

// A line of deskstream's own log ("05:38:27.145 INFO  [media] ..."), not a sanitizer report's.
const ownLogLine = /^\d\d:\d\d:\d\d\.\d{3} [A-Z]+ +\[/;

function track(proc, name) {
  // log: the last 100-200 kB of the output. appLog: the process's own log lines only, up to
  // 1-2 MB, so a test that counts them from the start still sees the early ones when a
  // sanitizer's reports (tens of kB each) have pushed them out of `log`.
  const entry = { proc, name, log: '', appLog: '' };
  // DS_PROCESS_LOG_DIR keeps every process's whole output.
  const file = process.env.DS_PROCESS_LOG_DIR
    ? path.join(process.env.DS_PROCESS_LOG_DIR, `${name}-${proc.pid}.log`) : null;
  const partial = { stdout: '', stderr: '' };
  const append = (stream) => (d) => {
    if (file) appendFileSync(file, d);
    const text = d.toString();
    entry.log += text;
    if (entry.log.length > 200000) entry.log = entry.log.slice(-100000);
    const lines = (partial[stream] + text).split('\n');
    partial[stream] = lines.pop();
    for (const line of lines) {
      if (ownLogLine.test(line)) entry.appLog += line + '\n';
      // The first sanitizer report's start, kept whatever follows it in `log`.
      if (entry.firstReport === undefined && sanitizerReport.test(line)) entry.firstReport = '';
      if (entry.firstReport !== undefined && entry.firstReport.length < 20000) entry.firstReport += line + '\n';
    }
    if (entry.appLog.length > 2000000) entry.appLog = entry.appLog.slice(-1000000);
  };
  proc.stdout?.on('data', append('stdout'));
  proc.stderr?.on('data', append('stderr'));
  started.push(entry);
  return entry;
}

export async function startXvfb(width = 1280, height = 720) {
  const n = freeDisplay();
  const display = `:${n}`;
  const proc = spawn('Xvfb', [display, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = track(proc, `Xvfb ${display}`);
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${n}`), 10000, `Xvfb ${display}`);
  return { display, proc, entry };
}

export function xsetroot(display, color) {
  execFileSync('xsetroot', ['-solid', color], { env: { ...process.env, DISPLAY: display } });
}

// Until deskstream's log (read through `log()`) has its listening line ("streaming :N at
// http://...", not the warning's "streaming is not affected"); fails at once if it exits first.
export async function waitListening(proc, log) {
  await waitFor(() => {
    if (proc.exitCode !== null) throw new StopWaiting(`deskstream exited ${proc.exitCode}: ${log()}`);
    return / streaming \S+ at https?:\/\//.test(log());
  }, 30000, 'deskstream to listen');
}

export async function startDeskstream(display, env = {}, args = []) {
  const port = await freePort();
  const proc = spawn(deskstreamBin, args, {
    env: {
      ...process.env,
      DISPLAY: display,
      SELKIES_PORT: String(port),
      SELKIES_ADDR: '127.0.0.1',
      SELKIES_ENABLE_BASIC_AUTH: 'false',
      SELKIES_STUN_HOST: '',
      SELKIES_TURN_HOST: '',
      SELKIES_FRAMERATE: '30',
      SELKIES_VIDEO_BITRATE: '4000',
      SELKIES_WEB_ROOT: path.join(repoRoot, 'web'),
      // Never the shared /tmp defaults: client settings are written back to this file.
      SELKIES_JSON_CONFIG: path.join(tempDir('ds-json-'), 'selkies_config.json'),
      SELKIES_RTC_CONFIG_JSON: path.join(tempDir('ds-rtc-'), 'rtc.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = track(proc, 'deskstream');
  const startedAt = Date.now();
  await waitListening(proc, () => entry.log);
  return { port, proc, entry, url: `http://127.0.0.1:${port}/`, startupMs: Date.now() - startedAt };
}

export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
      ...extraArgs,
    ],
  });
}

// Resolves when the page's video has decoded at least `min` frames; returns framesDecoded.
export async function waitFramesDecoded(page, min, timeoutMs = 15000) {
  return waitFor(async () => {
    const n = await framesDecoded(page);
    return n >= min ? n : false;
  }, timeoutMs, `${min} decoded frames`);
}

export async function framesDecoded(page) {
  return page.evaluate(async () => {
    const pc = window.deskstream?.video?.pc;
    if (!pc) return 0;
    const stats = await pc.getStats();
    let n = 0;
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') n = s.framesDecoded || 0;
    });
    return n;
  });
}

// The stream is live: a change on the X screen (the root colour, cycled) arrives as new decoded
// frames within `timeoutMs`. (A static screen is not re-encoded, so frame counts alone say
// nothing about liveness; see media/frame_gate.hpp.) Returns the frames decoded meanwhile.
let liveColour = 0;
export async function expectLive(page, display, timeoutMs = 5000) {
  const before = await framesDecoded(page);
  xsetroot(display, ['#204080', '#802040', '#408020'][liveColour++ % 3]);
  const after = await waitFor(async () => {
    const n = await framesDecoded(page);
    return n > before ? n : false;
  }, timeoutMs, 'frames after a screen change');
  return after - before;
}

// Average RGB of a square at the centre of the current video frame.
export async function centerColor(page) {
  return page.evaluate(() => {
    const v = document.getElementById('stream');
    if (!v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0);
    const s = 16;
    const d = ctx.getImageData(Math.floor(c.width / 2) - s / 2, Math.floor(c.height / 2) - s / 2, s, s).data;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) { r += d[i]; g += d[i + 1]; b += d[i + 2]; }
    const n = d.length / 4;
    return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
  });
}

export function near(rgb, target, tol = 40) {
  return rgb && rgb.every((v, i) => Math.abs(v - target[i]) <= tol);
}

// A process's open file descriptors and threads, from /proc/<pid>: `fds` counts the entries of
// fd/, `fdKinds` sorts them by what they point to (socket, pipe, anon_inode:[eventfd], /dev/...,
// or file), to say what a leak holds.
export function processStats(pid) {
  const fdKinds = {};
  let fds = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch (e) {
      continue;  // closed meanwhile
    }
    fds++;
    const kind = /^(socket|pipe):/.exec(target)?.[1]
      || (target.startsWith('anon_inode:') || target.startsWith('/dev/') ? target : 'file');
    fdKinds[kind] = (fdKinds[kind] || 0) + 1;
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const threads = Number(/Threads:\s+(\d+)/.exec(status)[1]);
  return { fds, threads, fdKinds };
}

export function logsOf(name) {
  return started.filter((e) => e.name.startsWith(name)).map((e) => e.log).join('\n');
}

// The end of a started process's output, for a failure message (`ds.entry` or any entry).
export function logTail(entry, chars = 6000) {
  return `${entry.name} log (tail):\n${entry.log.slice(-chars)}`;
}

// Set by scripts/test_sanitize.sh when deskstream is an ASan/UBSan or TSan build.
const sanitized = Boolean(process.env.DS_SANITIZER);
const sanitizerReport = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer/;

// What a failed test prints of a sanitizer report: LeakSanitizer's direct leaks (the root of what
// leaked; their indirect leaks, listed first, can fill any excerpt) and its summary, then the
// start of the report.
export function sanitizerExcerpt(log, at) {
  const report = log.slice(at);
  const direct = report.match(/^ *Direct leak of [^\n]*\n(?: +#[^\n]*\n)*/gm) || [];
  const summary = report.match(/^SUMMARY: [^\n]*/m);
  const head = log.slice(Math.max(0, at - 200), at + 8000);
  return [...direct.slice(0, 6).map((d) => d.slice(0, 4000)), summary ? summary[0] : '', head]
    .filter(Boolean).join('\n');
}

// Under a sanitizer, a report in any deskstream's output fails the test (stopAll throws). The
// server is given time to exit: LeakSanitizer checks the heap at exit, slowly.
export async function stopAll() {
  const reports = [];
  for (const e of started.reverse()) {
    if (e.proc.exitCode === null && e.proc.signalCode === null) {
      e.proc.kill('SIGTERM');
      const grace = sanitized && e.name === 'deskstream' ? 60000 : 3000;
      await exitWithin(e.proc, grace);
      if (e.proc.exitCode === null && e.proc.signalCode === null) e.proc.kill('SIGKILL');
    }
    if (sanitized && e.log.search(sanitizerReport) < 0 && e.firstReport !== undefined) {
      e.log = `${e.firstReport}\n[... the report above was pushed out of the log's tail ...]\n${e.log}`;
    }
    const at = sanitized ? e.log.search(sanitizerReport) : -1;
    // DS_SANITIZER_LOGS=<dir>: the whole output of a process with a report (the error below
    // keeps only 8,000 characters of it, often not the direct leak's stack).
    if (at >= 0 && process.env.DS_SANITIZER_LOGS) {
      writeFileSync(path.join(process.env.DS_SANITIZER_LOGS, `${e.name}-${e.proc.pid}.log`), e.log);
    }
    if (at >= 0) reports.push(`${e.name}:\n${sanitizerExcerpt(e.log, at)}`);
  }
  started.length = 0;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  if (reports.length) throw new Error(`sanitizer reports (${process.env.DS_SANITIZER}):\n${reports.join('\n')}`);
}

// Debian's coturn on loopback with use-auth-secret (TURN REST credentials from `secret`).
export async function startCoturn(secret) {
  const port = await freePort();
  const dir = tempDir('ds-turn-');
  // Loopback is the only network here, so loopback peers must be allowed; every private and
  // link-local range stays denied, as in the production DaemonSet.
  const args = [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=deskstream.test',
    '--min-port=49160', '--max-port=49200', '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls',
    '--denied-peer-ip=10.0.0.0-10.255.255.255', '--denied-peer-ip=172.16.0.0-172.31.255.255',
    '--denied-peer-ip=192.168.0.0-192.168.255.255', '--denied-peer-ip=169.254.0.0-169.254.255.255',
    `--pidfile=${dir}/turn.pid`, `--log-file=${dir}/turn.log`, '--simple-log', '--no-stdout-log', '-v',
  ];
  const proc = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(proc, 'turnserver');
  await sleep(700);
  if (proc.exitCode !== null) throw new Error(`turnserver exited ${proc.exitCode}`);
  return { port, proc, log: path.join(dir, 'turn.log') };
}

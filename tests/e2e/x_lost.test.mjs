// Fault: the X server dies under a streaming session and comes back. deskstream runs as in the
// session pod's streamer container: the image's entrypoint (deploy/image/entrypoint.sh,
// DS_ROLE=streamer) waits for X and PulseAudio, starts deskstream and supervises it. When Xvfb is
// SIGKILLed, deskstream logs one line and exits with status 75; /readyz stops answering 200
// while X is gone; the entrypoint waits for X, and when a new X server answers on the same
// display it starts deskstream again, and the page (which reconnects by itself) shows the new
// X server's screen. docs/decisions/0008-x-server-lost.md.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  deskstreamBin, repoRoot, tempDir, freePort, launchBrowser, waitFramesDecoded, centerColor, near, xsetroot,
  waitFor, sleep, stopAll,
} from './lib/harness.mjs';
import { pulseDir, startPulse, stopProc, stopPulse } from './lib/pulse.mjs';

const own = [];
after(async () => {
  for (const p of own.splice(0).reverse()) await stopProc(p);
  await stopPulse();
  await stopAll();
});

function freeDisplayNumber() {
  for (let n = 300 + Math.floor(Math.random() * 300); n < 1000; n++) {
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

async function startX(n) {
  const proc = spawn('Xvfb', [`:${n}`, '-screen', '0', '640x360x24', '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
  own.push(proc);
  // Answering, not just its socket file (a killed server's stays behind).
  await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`Xvfb :${n} exited ${proc.exitCode}`);
    return spawnSync('xdpyinfo', ['-display', `:${n}`], { stdio: 'ignore' }).status === 0;
  }, 10000, `Xvfb :${n}`);
  return proc;
}

async function readyz(url) {
  try {
    return (await fetch(new URL('readyz', url), { signal: AbortSignal.timeout(2000) })).status;
  } catch (e) {
    return `no answer (${e.cause?.code || e.name})`;
  }
}

test('X dies and returns: deskstream exits 75, the streamer entrypoint restarts it, the page streams the new X', async (t) => {
  const n = freeDisplayNumber();
  const display = `:${n}`;
  let x = await startX(n);
  xsetroot(display, '#2060a0');
  const pulse = pulseDir();
  await startPulse(pulse);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const entry = spawn('bash', [path.join(repoRoot, 'deploy/image/entrypoint.sh')], {
    env: {
      PATH: process.env.PATH, DS_ROLE: 'streamer', DISPLAY: display, PULSE_SERVER: pulse.server,
      DS_WAIT_TIMEOUT: '60', DS_STOP_TIMEOUT: '5', DESKSTREAM_CMD: deskstreamBin,
      XDG_RUNTIME_DIR: path.join(tempDir('ds-xlost-run-'), 'run'), HOME: tempDir('ds-xlost-home-'),
      SELKIES_PORT: String(port), SELKIES_ADDR: '127.0.0.1', SELKIES_ENABLE_BASIC_AUTH: 'false',
      SELKIES_STUN_HOST: '', SELKIES_TURN_HOST: '', SELKIES_FRAMERATE: '30',
      SELKIES_WEB_ROOT: path.join(repoRoot, 'web'),
      SELKIES_JSON_CONFIG: path.join(tempDir('ds-xlost-json-'), 'selkies_config.json'),
      SELKIES_RTC_CONFIG_JSON: path.join(tempDir('ds-xlost-rtc-'), 'rtc.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  own.push(entry);
  let log = '';
  entry.stdout.on('data', (d) => { log += d; });
  entry.stderr.on('data', (d) => { log += d; });
  const starts = () => (log.match(/deskstream \S+ streaming /g) || []).length;
  await waitFor(() => {
    if (entry.exitCode !== null) throw new Error(`entrypoint exited ${entry.exitCode}: ${log}`);
    return starts() === 1;
  }, 40000, 'deskstream started by the entrypoint');
  assert.equal(await readyz(url), 200, '/readyz with X up');

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await page.goto(url);
  await waitFramesDecoded(page, 1, 30000);
  await waitFor(async () => near(await centerColor(page), [0x20, 0x60, 0xa0]), 10000, 'the first X screen on the page');

  // The X server dies.
  x.kill('SIGKILL');
  await waitFor(() => /X display :\d+ is gone/.test(log), 15000, 'deskstream noticing X is gone');
  await waitFor(() => /deskstream lost X/.test(log), 10000, 'the entrypoint seeing status 75');
  const down = await readyz(url);
  console.log(`/readyz while X is gone: ${down}`);
  assert.notEqual(down, 200, '/readyz must not say ready without X');
  await sleep(2000);
  assert.equal(entry.exitCode, null, 'the entrypoint (the container) keeps running while X is gone');
  assert.equal(starts(), 1, 'not restarted before X is back');

  // X comes back (the desktop container restarted), with a different screen.
  const back = Date.now();
  x = await startX(n);
  xsetroot(display, '#c03070');
  await waitFor(() => starts() === 2, 30000, 'deskstream started again');
  await waitFor(async () => (await readyz(url)) === 200, 10000, '/readyz 200 again');
  await waitFor(async () => near(await centerColor(page), [0xc0, 0x30, 0x70]), 40000, 'the page showing the new X screen');
  console.log(`page streaming the new X server ${Date.now() - back} ms after it started`);
  const lines = log.split('\n').filter((l) => /is gone|lost X|reachable again|exited \(status/.test(l));
  console.log(lines.join('\n'));
  assert.equal((log.match(/X display :\d+ is gone/g) || []).length, 1, 'one line for the loss');
  assert.doesNotMatch(log, /XIO: {2}fatal IO error/, 'no Xlib exit message (our handler ran instead)');
  assert.equal(entry.exitCode, null);
});

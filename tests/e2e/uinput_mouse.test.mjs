// SELKIES_UINPUT_MOUSE_SOCKET end to end: a client that speaks what gst-web sends (relative
// motion `m2` in pointer lock, clicks, the wheel) over a real data channel; a reader of ours
// bound on the socket (tests/unit/input/uinput_reader.cpp) checks the datagrams byte for byte
// against what Selkies 1.6.2 sends (MessagePack {"args": [[type, code], value], "kwargs": {...}},
// vectors computed with Python's msgpack as Selkies packs them). Absolute moves stay on XTest;
// without the socket the mouse falls back to XTest, and the socket is found again later.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFor, stopAll, sleep, tempDir, repoRoot,
} from './lib/harness.mjs';
import { pulseDir } from './lib/pulse.mjs';
import { installGstWebClient } from './lib/gstweb_client.mjs';

after(stopAll);

const readerBin = process.env.DS_UINPUT_READER || path.join(repoRoot, 'build/tests/unit/input/input_uinput_reader');
const pointer = (display) => /x:(\d+) y:(\d+)/.exec(
  execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display } }).toString()).slice(1).map(Number);

// The datagrams, in hex, as Selkies' msgpack.packb makes them.
const KW = 'a66b776172677380';                   // "kwargs": {}
const KW_NOSYN = 'a66b776172677381a373796ec2';   // "kwargs": {"syn": false}
const ARGS = '82a46172677392';                   // {"args": [
const relX = (v) => `${ARGS}920200${v}${KW_NOSYN}`;  // [[2, 0], v], syn false
const relY = (v) => `${ARGS}920201${v}${KW}`;
const wheel = (v) => `${ARGS}920208${v}${KW}`;
const btn = (code, v) => `${ARGS}9201cd${code}${v}${KW}`;  // [[1, 0x110..0x112], v]
const LEFT = '0110';
const RIGHT = '0111';

function startReader(socketPath) {
  const proc = spawn(readerBin, [socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { proc, lines: [], ready: false };
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop();
    for (const l of parts) {
      if (l === 'ready') r.ready = true;
      else r.lines.push(l);
    }
  });
  return r;
}

function blankWebRoot() {
  const dir = tempDir('ds-e2e-uinput-root-');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><body></body></html>\n');
  return dir;
}

test('SELKIES_UINPUT_MOUSE_SOCKET gets relative motion, buttons and wheel as Selkies sends them', async (t) => {
  assert.ok(existsSync(readerBin), `uinput reader built at ${readerBin}`);
  const x = await startXvfb(1280, 720);
  const dir = tempDir('ds-e2e-uinput-');
  const socketPath = path.join(dir, 'mouse.sock');
  let reader = startReader(socketPath);
  t.after(() => reader.proc.kill());
  await waitFor(() => reader.ready, 5000, 'the reader bound');

  const ds = await startDeskstream(x.display, {
    SELKIES_UINPUT_MOUSE_SOCKET: socketPath,
    SELKIES_WEB_ROOT: blankWebRoot(),
    PULSE_SERVER: pulseDir().server,  // no PulseAudio: the audio peer connects on silence
  });
  assert.doesNotMatch(ds.entry.log, /SELKIES_UINPUT_MOUSE_SOCKET.*not yet supported/);
  assert.match(ds.entry.log, /SELKIES_UINPUT_MOUSE_SOCKET .*connected/);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(ds.url);
  await installGstWebClient(page);
  await waitFor(() => page.evaluate(() => window.__gst.video === 'connected'), 20000, 'video peer connected');
  await waitFor(() => page.evaluate(() => window.__gst.messages.some((m) => m.type === 'system')), 10000, 'the input channel open');

  const send = (...messages) => page.evaluate((ms) => { for (const m of ms) window.__gst.send(m); }, messages);
  await send('m,400,300,0,0');  // absolute: XTest, as on Selkies
  await waitFor(() => pointer(x.display).join() === '400,300', 3000, 'absolute move through XTest');
  // Pointer lock: relative motion, a left click, a right press and release, a wheel turn down
  // (gst-web: bit 3, magnitude 2) and up (bit 4).
  await send('m2,12,-7,0,0', 'm2,-200,300,1,0', 'm2,0,0,0,0', 'm2,0,0,4,0', 'm2,0,0,0,0', 'm2,0,0,8,2', 'm2,0,0,0,0', 'm2,0,0,16,1');
  const expected = [
    relX('0c'), relY('f9'),
    relX('d1ff38'), relY('cd012c'), btn(LEFT, '01'),
    relX('00'), relY('00'), btn(LEFT, '00'),
    relX('00'), relY('00'), btn(RIGHT, '01'),
    relX('00'), relY('00'), btn(RIGHT, '00'),
    relX('00'), relY('00'), wheel('01'), wheel('01'),
    relX('00'), relY('00'),
    relX('00'), relY('00'), wheel('ff'),
  ];
  await waitFor(() => reader.lines.length >= expected.length, 5000, `${expected.length} datagrams`);
  await sleep(300);
  assert.deepEqual(reader.lines, expected);
  assert.deepEqual(pointer(x.display), [400, 300], 'relative motion did not also go through XTest');

  // The reader goes away: logged once, the mouse goes through XTest.
  reader.proc.kill();
  await new Promise((r) => reader.proc.once('exit', r));
  rmSync(socketPath, { force: true });
  await send('m2,5,6,0,0');
  await waitFor(() => pointer(x.display).join() === '405,306', 3000, 'relative motion through XTest');
  await send('m2,1,1,0,0', 'm2,1,1,0,0');
  await waitFor(() => pointer(x.display).join() === '407,308', 3000, 'still XTest');
  assert.equal(ds.entry.log.match(/SELKIES_UINPUT_MOUSE_SOCKET .*XTest until/g)?.length, 1, ds.entry.log.slice(-2000));

  // It comes back: after at most a second, the socket again.
  reader = startReader(socketPath);
  await waitFor(() => reader.ready, 5000, 'the reader bound again');
  await sleep(1100);
  await send('m2,3,-3,0,0');
  await waitFor(() => reader.lines.length >= 2, 5000, 'datagrams after reconnecting');
  assert.deepEqual(reader.lines, [relX('03'), relY('fd')]);
  assert.deepEqual(pointer(x.display), [407, 308]);
});

// An unchanging screen is not re-encoded (media/frame_gate.hpp). The stream stays
// healthy (no freeze-triggered keyframe requests), changes still show at once, and a viewer who
// joins a static screen gets a picture.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, framesDecoded, centerColor, near,
  waitFor, stopAll, sleep, deskstreamBin, tempDir,
} from './lib/harness.mjs';

after(stopAll);

const dir = tempDir('ds-static-');
const key = path.join(dir, 'signing.pem');
const pub = path.join(dir, 'signing.pub');
execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
const mint = (role) => execFileSync(deskstreamBin, ['token', '--key', key, '--sub', role, '--session', 's-1', '--role', role,
  '--ttl', '300', '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();

async function inbound(page) {
  return page.evaluate(async () => {
    let v = null;
    (await window.deskstream.video.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') v = { frames: s.framesDecoded, plis: s.pliCount, keys: s.keyFramesDecoded, bytes: s.bytesReceived };
    });
    return v;
  });
}

test('a static screen is not re-encoded, yet changes and new viewers get frames at once', async (t) => {
  const x = await startXvfb(1280, 720);
  xsetroot(x.display, '#336699');
  const ds = await startDeskstream(x.display, {
    SELKIES_FRAMERATE: '30',
    DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub, DESKSTREAM_JWT_ISSUER: 'https://portal.test',
    DESKSTREAM_JWT_AUDIENCE: 'deskstream', DESKSTREAM_JWT_SESSION: 's-1',
  });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const controller = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await controller.goto(ds.url + '?token=' + mint('control'));
  await waitFramesDecoded(controller, 1);
  await waitFor(async () => near(await centerColor(controller), [0x33, 0x66, 0x99]), 5000, 'the desktop colour');

  // After the settle frames (0.5 s) only a heartbeat (4 a second) is sent.
  await sleep(2000);
  const a = await inbound(controller);
  await sleep(4000);
  const b = await inbound(controller);
  const fps = (b.frames - a.frames) / 4;
  const kbps = ((b.bytes - a.bytes) * 8) / 4 / 1000;
  console.log(`static screen: ${fps.toFixed(2)} frames/s, ${kbps.toFixed(1)} kbit/s, PLIs ${b.plis - a.plis}`);
  assert.ok(fps <= 6, `an unchanged screen is not re-encoded at 30 fps (${fps} frames/s)`);
  assert.ok(b.frames > a.frames, 'a heartbeat frame keeps the stream alive');
  // Chromium asks for a keyframe when no frame came for 3 x rtx-time (375 ms): with a 1 s
  // heartbeat that was 10 PLIs in 4 s. One is tolerated: under heavy load (load average 10,
  // 2 cores) a heartbeat can come late once.
  assert.ok(b.plis - a.plis <= 1, `no keyframe requests from a receiver that thinks the stream froze (${b.plis - a.plis} PLIs)`);

  // A change shows at once.
  const changed = Date.now();
  xsetroot(x.display, '#cc3300');
  await waitFor(async () => near(await centerColor(controller), [0xcc, 0x33, 0x00]), 2000, 'the new colour');
  console.log(`change on a static screen visible after ${Date.now() - changed} ms`);

  // Drawing inside a child window counts too (the DAMAGE watch is on the root window): a
  // digital xclock ticking once a second brings back the settle frames after every tick.
  const clock = spawn('xclock', ['-digital', '-update', '1', '-geometry', '240x40+10+10'], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  t.after(() => clock.kill());
  await sleep(1500);
  const c0 = await inbound(controller);
  await sleep(3000);
  const c1 = await inbound(controller);
  console.log(`xclock ticking: ${((c1.frames - c0.frames) / 3).toFixed(1)} frames/s`);
  assert.ok(c1.frames - c0.frames > 20, `each tick in the child window is encoded (${c1.frames - c0.frames} frames in 3 s; heartbeats alone give 12)`);
  clock.kill();
  assert.match(ds.entry.log, /unchanged frames found by damage/, 'the X DAMAGE detector is in use');

  // A viewer joins the running, static encode and gets a picture (a keyframe is forced through).
  await sleep(2000);
  const viewer = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const keysBefore = (await inbound(controller)).keys;
  await viewer.goto(ds.url + '?token=' + mint('view'));
  const connected = await waitFor(() => viewer.evaluate(() => (window.deskstream?.video?.pc?.connectionState === 'connected' ? performance.now() : false)), 15000, 'viewer connected');
  await waitFramesDecoded(viewer, 1, 5000);
  const first = await viewer.evaluate(() => performance.now());
  console.log(`viewer joined a static screen: first frame within ${(first - connected).toFixed(0)} ms of connecting`);
  await waitFor(async () => near(await centerColor(viewer), [0xcc, 0x33, 0x00]), 3000, 'the viewer sees the desktop');
  // The controller's getStats may lag the viewer's first frame by a moment: wait for it.
  await waitFor(async () => (await inbound(controller)).keys > keysBefore, 3000, 'the join to produce a keyframe on the shared encode (seen by the controller)');
  assert.equal((ds.entry.log.match(/video pipeline started/g) || []).length, 1, 'one encode serves both');
  assert.equal(await framesDecoded(controller) > 0, true);
});

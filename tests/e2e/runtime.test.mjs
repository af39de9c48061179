// Runtime changes over the data channel take effect without a reconnect, visible in the
// received stream's getStats: `vb` (kbit/s) changes the bitrate, `_arg_fps` the frame rate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, repoRoot,
} from './lib/harness.mjs';

after(stopAll);

const painter = process.env.DS_PAINTER || path.join(repoRoot, 'build/bench/ds_painter');

// Inbound video kbit/s and frames/s over `ms`, from two getStats samples.
async function rates(page, ms) {
  const sample = () => page.evaluate(async () => {
    let out = null;
    (await window.deskstream.video.pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out = { bytes: s.bytesReceived, frames: s.framesDecoded, t: s.timestamp };
    });
    return out;
  });
  const a = await sample();
  await sleep(ms);
  const b = await sample();
  const seconds = (b.t - a.t) / 1000;
  return { kbps: ((b.bytes - a.bytes) * 8) / 1000 / seconds, fps: (b.frames - a.frames) / seconds };
}

test('vb and _arg_fps change the received stream within 2 s, without a reconnect', async (t) => {
  assert.ok(existsSync(painter), `motion painter built at ${painter}`);
  const x = await startXvfb(1280, 720);
  const paint = spawn(painter, ['--motion'], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  t.after(() => paint.kill());
  const ds = await startDeskstream(x.display, { SELKIES_VIDEO_BITRATE: '4000', SELKIES_FRAMERATE: '30' });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 10);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel');
  await sleep(1500);
  const before = await rates(page, 2000);
  console.log(`at 4000 kbit/s, 30 fps: ${before.kbps.toFixed(0)} kbit/s, ${before.fps.toFixed(1)} fps`);
  assert.ok(before.kbps > 1500, `full-motion stream near its 4000 kbit/s target (${before.kbps})`);
  assert.ok(before.fps > 20, `about 30 fps (${before.fps})`);

  const pc = await page.evaluate(() => window.deskstream.video.pc.localDescription.sdp.length);
  await page.evaluate(() => window.deskstream.video.channel.send('vb,800'));
  await sleep(2000);  // the change must show within 2 s: measure the 2 s after that
  const low = await rates(page, 2000);
  console.log(`after vb,800: ${low.kbps.toFixed(0)} kbit/s`);
  assert.ok(low.kbps < 1300, `bitrate follows vb,800 (${low.kbps} kbit/s)`);

  await page.evaluate(() => window.deskstream.video.channel.send('_arg_fps,10'));
  await sleep(2000);
  const slow = await rates(page, 2000);
  console.log(`after _arg_fps,10: ${slow.fps.toFixed(1)} fps`);
  assert.ok(slow.fps < 14, `frame rate follows _arg_fps,10 (${slow.fps} fps)`);
  assert.equal(await page.evaluate(() => window.deskstream.video.pc.localDescription.sdp.length), pc, 'same peer connection');
  assert.match(ds.entry.log, /video bitrate set to 800 kbit\/s/);
  assert.match(ds.entry.log, /framerate set to 10 fps/);
});

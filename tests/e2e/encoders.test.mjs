// Each encoder available here streams to Chromium and decodes, with the right
// codec negotiated and the desktop's colour in the decoded picture.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, centerColor, near, waitFor, sleep, stopAll,
} from './lib/harness.mjs';

after(stopAll);

const installed = (e) => { try { execFileSync('gst-inspect-1.0', [e], { stdio: 'ignore' }); return true; } catch { return false; } };
const encoders = [
  ['x264enc', 'video/H264'], ['openh264enc', 'video/H264'], ['vp8enc', 'video/VP8'], ['vp9enc', 'video/VP9'],
];

for (const [encoder, mime] of encoders) {
  test(`${encoder} streams to Chromium`, { skip: installed(encoder) ? false : `${encoder} is not installed on this machine` }, async (t) => {
    const x = await startXvfb(640, 360);
    xsetroot(x.display, '#c04020');
    const ds = await startDeskstream(x.display, { SELKIES_ENCODER: encoder, SELKIES_VIDEO_BITRATE: '2000' });
    assert.match(ds.entry.log, new RegExp(`video encoder: ${encoder}`), 'no fallback: the encoder itself is used');
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    await page.goto(ds.url);
    await waitFramesDecoded(page, 1, 15000);
    await waitFor(async () => near(await centerColor(page), [0xc0, 0x40, 0x20]), 5000, 'the desktop colour');
    const codec = await page.evaluate(async () => {
      let id = null; const mimes = {};
      (await window.deskstream.video.pc.getStats()).forEach((s) => {
        if (s.type === 'codec') mimes[s.id] = s.mimeType;
        if (s.type === 'inbound-rtp' && s.kind === 'video') id = s.codecId;
      });
      return mimes[id] || null;
    });
    assert.equal(codec, mime);
    xsetroot(x.display, '#20a040');
    await waitFor(async () => near(await centerColor(page), [0x20, 0xa0, 0x40]), 3000, 'a change after a static spell');
    ds.proc.kill('SIGTERM');
    await waitFor(() => ds.proc.exitCode !== null || ds.proc.signalCode !== null, 5000, 'deskstream to stop');
    // No encoder may write over a system path (vp8enc/vp9enc first-pass statistics
    // once replaced /dev/null with a regular file when run as root).
    const devNull = statSync('/dev/null');
    assert.ok(devNull.isCharacterDevice(), `/dev/null is still a character device after ${encoder}`);
    assert.equal(devNull.rdev, (1 << 8) | 3, '/dev/null is still device 1,3');
  });
}

// x265enc streams H.265 to a browser that decodes it; a browser that cannot
// (Chromium decodes H.265 over WebRTC only with a hardware decoder, so not on this machine)
// declines the video in its answer, and is told so instead of waiting on a black page (and
// webrtcbin, which aborts on such an answer, never sees it).
// With DESKSTREAM_EXTRA_ENCODERS empty, H.265 is the only codec offered (the default adds
// VP8/VP9, which such a Chromium then receives: codecs.test.mjs).
test('x265enc streams H.265 to Chromium, or says that this Chromium cannot decode it', { skip: installed('x265enc') ? false : 'x265enc is not installed on this machine' }, async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#c04020');
  const ds = await startDeskstream(x.display, { SELKIES_ENCODER: 'x265enc', SELKIES_VIDEO_BITRATE: '2000', DESKSTREAM_EXTRA_ENCODERS: '' });
  assert.match(ds.entry.log, /video encoder: x265enc/, 'no fallback: x265enc itself is used');
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await page.goto(ds.url);
  const decodesH265 = await page.evaluate(() => RTCRtpReceiver.getCapabilities('video').codecs.some((c) => c.mimeType === 'video/H265'));
  if (decodesH265) {
    await waitFramesDecoded(page, 1, 15000);
    await waitFor(async () => near(await centerColor(page), [0xc0, 0x40, 0x20]), 5000, 'the desktop colour');
    return;
  }
  console.log('this Chromium has no H.265 WebRTC decoder: checking that it is told so');
  await waitFor(() => /WARN .*peer \d+: answer refused: no common video codec: the browser cannot decode any of H265 /.test(ds.entry.log), 15000, 'the server to say why');
  await waitFor(async () => (await page.evaluate(() => document.body.innerText)).includes('cannot decode any of H265'), 5000, 'the page to show why');
  await sleep(1000);
  assert.equal(ds.proc.exitCode, null, 'the server keeps running');
  assert.equal(ds.proc.signalCode, null, 'the server was not killed by an assertion');
});

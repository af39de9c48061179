// Every viewer gets a codec its browser decodes. The offer lists every codec this
// machine encodes (H.264 from SELKIES_ENCODER, then VP8 and VP9) with the right H.264 fmtp; a
// viewer whose browser will not take H.264 gets VP8 from a second encode, built for it and
// removed with it, while an H.264 viewer of the same session keeps H.264; a browser that
// accepts none of them is told so once and does not reconnect in a loop. The "browser without
// H.264" is Chromium whose transceiver prefers one codec (setCodecPreferences in the page, before
// it answers), so this runs without Firefox (firefox.test.mjs covers Firefox itself).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, centerColor, near,
  waitFor, sleep, stopAll, expectLive,
} from './lib/harness.mjs';
import { viewerTokens } from './lib/tokens.mjs';

after(stopAll);

// Before the page's scripts: answer with `mime` only, as a browser that decodes nothing else.
function onlyCodec(mime) {
  return `(() => {
    const set = RTCPeerConnection.prototype.setRemoteDescription;
    RTCPeerConnection.prototype.setRemoteDescription = async function (...args) {
      const r = await set.apply(this, args);
      for (const t of this.getTransceivers()) {
        if (!t.receiver || t.receiver.track.kind !== 'video') continue;
        const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === ${JSON.stringify(mime)});
        t.setCodecPreferences(codecs);
      }
      return r;
    };
  })();`;
}

async function receivedCodec(page) {
  return page.evaluate(async () => {
    let id = null; const codecs = {};
    (await window.deskstream.video.pc.getStats()).forEach((s) => {
      if (s.type === 'codec') codecs[s.id] = { mime: s.mimeType, fmtp: s.sdpFmtpLine || '' };
      if (s.type === 'inbound-rtp' && s.kind === 'video') id = s.codecId;
    });
    return codecs[id] || null;
  });
}

// The first viewer of a session controls; the others view (one controller at a time).
const tokens = viewerTokens();
let viewers = 0;
async function openViewer(browser, url, mime) {
  const context = await browser.newContext({ viewport: { width: 640, height: 360 } });
  if (mime) await context.addInitScript(onlyCodec(mime));
  const page = await context.newPage();
  await page.goto(url + tokens.query(viewers++ === 0 ? 'control' : 'view'));
  return { context, page };
}

test('H.264 and VP8 viewers in one session, each with its own codec; VP8 encode on demand', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#c04020');
  viewers = 0;
  const ds = await startDeskstream(x.display, { SELKIES_VIDEO_BITRATE: '2000', ...tokens.env });
  assert.match(ds.entry.log, /video codecs offered, in order: H264, VP8, VP9/);
  const browser = await launchBrowser();
  t.after(() => browser.close());

  const h264 = await openViewer(browser, ds.url);
  await waitFramesDecoded(h264.page, 1, 15000);
  const offer = await h264.page.evaluate(() => window.deskstream.video.pc.remoteDescription.sdp);
  const fmtp = /a=rtpmap:(\d+) H264\/90000[\s\S]*?a=fmtp:\1 ([^\r\n]*)/.exec(offer);
  assert.ok(fmtp, `an a=fmtp line for H.264 in the offer:\n${offer}`);
  assert.match(fmtp[2], /packetization-mode=1/);
  assert.match(fmtp[2], /profile-level-id=42e01f/);
  assert.match(fmtp[2], /level-asymmetry-allowed=1/);
  assert.match(offer, /a=rtpmap:\d+ VP8\/90000/);
  assert.match(offer, /a=rtpmap:\d+ VP9\/90000/);
  const c1 = await receivedCodec(h264.page);
  assert.equal(c1.mime, 'video/H264');
  assert.match(c1.fmtp, /packetization-mode=1/, 'Chromium now agrees to packetization-mode=1');
  assert.doesNotMatch(ds.entry.log, /VP8 encode started/, 'no second encode without a viewer for it');

  const vp8 = await openViewer(browser, ds.url, 'video/VP8');
  await waitFramesDecoded(vp8.page, 1, 15000);
  assert.equal((await receivedCodec(vp8.page)).mime, 'video/VP8');
  await waitFor(async () => near(await centerColor(vp8.page), [0xc0, 0x40, 0x20]), 5000, 'the desktop colour in VP8');
  assert.match(ds.entry.log, /VP8 encode started \(vp8enc\)/);
  // Both follow the desktop.
  xsetroot(x.display, '#2040c0');
  await waitFor(async () => near(await centerColor(vp8.page), [0x20, 0x40, 0xc0]), 3000, 'blue in VP8');
  await waitFor(async () => near(await centerColor(h264.page), [0x20, 0x40, 0xc0]), 3000, 'blue in H.264');
  assert.equal((await receivedCodec(h264.page)).mime, 'video/H264', 'the H.264 viewer keeps H.264');

  // A second VP8 viewer shares the VP8 encode.
  const vp8b = await openViewer(browser, ds.url, 'video/VP8');
  await waitFramesDecoded(vp8b.page, 1, 15000);
  assert.equal(ds.entry.log.match(/VP8 encode started/g).length, 1, 'one VP8 encode for two VP8 viewers');

  await vp8b.context.close();
  await sleep(1000);
  assert.doesNotMatch(ds.entry.log, /VP8 encode stopped/, 'one VP8 viewer left');
  await vp8.context.close();
  await waitFor(() => /VP8 encode stopped/.test(ds.entry.log), 5000, 'the VP8 encode to stop with its last viewer');
  await expectLive(h264.page, x.display);

  // VP9, the third choice, also works.
  const vp9 = await openViewer(browser, ds.url, 'video/VP9');
  await waitFramesDecoded(vp9.page, 1, 15000);
  assert.equal((await receivedCodec(vp9.page)).mime, 'video/VP9');
  await vp9.context.close();
  await waitFor(() => /VP9 encode stopped/.test(ds.entry.log), 5000, 'the VP9 encode to stop');
});

// The offer's H.264 level (profile-level-id 42e01f: level 3.1) must not reach the encoder's caps:
// it would cap x264 at 1280x720 at 30 fps, and a 1080p desktop would never negotiate.
test('a 1920x1080 desktop streams as H.264 (the offered level does not limit the encoder)', async () => {
  const x = await startXvfb(1920, 1080);
  xsetroot(x.display, '#2060c0');
  const ds = await startDeskstream(x.display, { SELKIES_ENABLE_RESIZE: 'false' });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(ds.url);
    await waitFramesDecoded(page, 5, 20000);
    const size = await page.evaluate(() => [document.getElementById('stream').videoWidth, document.getElementById('stream').videoHeight]);
    assert.deepEqual(size, [1920, 1080]);
    assert.ok(!/not-negotiated/.test(ds.entry.log), 'no caps negotiation error');
  } finally {
    await browser.close();
  }
});

test('a browser that accepts none of the codecs is told so once and stops reconnecting', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#808080');
  viewers = 0;
  const ds = await startDeskstream(x.display, { DESKSTREAM_EXTRA_ENCODERS: 'vp8enc', ...tokens.env });
  assert.match(ds.entry.log, /video codecs offered, in order: H264, VP8\n/);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  // This Chromium decodes VP9, which this server does not offer: its answer declines the video.
  const viewer = await openViewer(browser, ds.url, 'video/VP9');
  await waitFor(async () => /no common video codec/.test(await viewer.page.textContent('#status')), 15000,
    'the page to show the error');
  const status = await viewer.page.textContent('#status');
  console.log(`page: ${status}`);
  assert.match(status, /^error/);
  assert.match(status, /H264, VP8/, 'the page names what was offered');
  await sleep(4000);
  const refused = (ds.entry.log.match(/answer refused/g) || []).length;
  assert.equal(refused, 1, 'one attempt, no reconnect loop');
  assert.match(await viewer.page.textContent('#status'), /no common video codec/, 'still shown');
  assert.equal(ds.proc.exitCode, null, 'the server keeps running');
  // A viewer that can decode one of them still connects.
  const ok = await openViewer(browser, ds.url);
  await waitFramesDecoded(ok.page, 1, 15000);
});

// Audio end to end: PulseAudio (a real daemon started here) -> deskstream's audio pipeline ->
// its own peer connection (browser uid 3) -> headless Chromium, where an AnalyserNode on the
// received track finds the dominant frequency of the tone we play (440 Hz, then 1 kHz). The
// video keeps streaming with audio on (its latency is measured both ways) and with no
// PulseAudio at all; audio starts by itself when the server appears.
//
// The page drives its own RTCPeerConnection for uid 3 against the signalling endpoint, unless
// the web client already runs an audio peer (window.deskstream.audio), which is then used.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, centerColor, near,
  waitFor, stopAll, sleep,
} from './lib/harness.mjs';
import { pulseDir, startPulse, playTone, stopProc, stopPulse } from './lib/pulse.mjs';
import { startAudioPeer, dominant, waitDominant } from './lib/audio_peer.mjs';

after(async () => { await stopPulse(); await stopAll(); });

// Until the session layer runs the audio pipeline, this build has no audio to test: skip rather
// than fail (the server logs "audio available" or "audio unavailable" once it is wired).
async function audioWired(ds, t) {
  try {
    await waitFor(() => /audio (un)?available/.test(ds.entry.log), 5000, 'an audio status line');
    return true;
  } catch (e) {
    t.skip('this deskstream build does not run the audio pipeline yet (no "audio available" line)');
    return false;
  }
}

// Time for a colour change on the X screen to reach the decoded video (ms).
async function videoChangeMs(page, display, colors) {
  const samples = [];
  for (const [hex, rgb] of colors) {
    xsetroot(display, hex);
    const t0 = Date.now();
    await waitFor(async () => near(await centerColor(page), rgb), 3000, `${hex} on the video`);
    samples.push(Date.now() - t0);
    await sleep(200);
  }
  return samples;
}

const COLORS = [['#ff0000', [255, 0, 0]], ['#0000ff', [0, 0, 255]], ['#00ff00', [0, 255, 0]],
  ['#ffffff', [255, 255, 255]], ['#000000', [0, 0, 0]], ['#ff0000', [255, 0, 0]]];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

test('desktop audio reaches Chromium on its own peer: 440 Hz then 1 kHz; video latency unaffected', async (t) => {
  const pulse = pulseDir();
  await startPulse(pulse);
  let tone = playTone(pulse.server, 440);
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#808080');
  const ds = await startDeskstream(x.display, { PULSE_SERVER: pulse.server, SELKIES_AUDIO_BITRATE: '128000' });
  if (!(await audioWired(ds, t))) return;
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  page.on('console', (m) => { if (m.type() === 'error') console.log('page:', m.text()); });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1, 15000);
  const videoOnly = await videoChangeMs(page, x.display, COLORS);

  const opened = Date.now();
  await startAudioPeer(page);
  await waitFor(async () => (await page.evaluate(() => window.__audio.state)) === 'live', 15000, 'audio peer connected');
  const f1 = await waitDominant(page, 440, 10000, '440 Hz in the browser');
  console.log(`440 Hz heard ${Date.now() - opened} ms after the audio peer started (measured ${f1.toFixed(1)} Hz)`);
  const offer = await page.evaluate(() => window.__audio.offer || '');
  assert.ok(offer, 'the audio offer was seen');
  assert.match(offer, /a=rtpmap:111 OPUS\/48000\/2/i);
  assert.match(offer, /a=ptime:10/);
  assert.doesNotMatch(offer, /m=video|m=application/, 'audio has its own peer connection');

  await stopProc(tone);
  const switched = Date.now();
  tone = playTone(pulse.server, 1000);
  const f2 = await waitDominant(page, 1000, 5000, '1 kHz in the browser');
  console.log(`1 kHz heard ${Date.now() - switched} ms after the player started (measured ${f2.toFixed(1)} Hz; includes player start-up)`);
  const readings = [];
  for (let i = 0; i < 5; i++) { readings.push(await dominant(page)); await sleep(100); }
  console.log(`steady 1 kHz readings: ${readings.map((f) => f?.toFixed(1)).join(', ')} Hz`);
  assert.ok(readings.every((f) => f !== null && Math.abs(f - 1000) < 25), 'the tone stays dominant');
  // 10 ms Opus frames: about 100 packets a second. On a CPU-starved machine (load 15 on 2 cores
  // was seen) Chrome reports some loss, so only a steady flow is asserted; the figure is logged.
  const s1 = await page.evaluate(() => window.__audio.stats());
  await sleep(2000);
  const s2 = await page.evaluate(() => window.__audio.stats());
  const rate = (s2.packets - s1.packets) / 2;
  console.log(`audio inbound: ${rate} packets/s, jitter buffer ${(s2.jitterBuffer * 1000).toFixed(1)} ms, ${JSON.stringify(s2)}`);
  assert.ok(rate > 40 && rate < 120, `packet rate ${rate}/s`);

  // The video is not slowed down by the audio peer.
  const withAudio = await videoChangeMs(page, x.display, COLORS);
  console.log(`video colour change, median ms: without audio ${median(videoOnly)} ${JSON.stringify(videoOnly)}, with audio ${median(withAudio)} ${JSON.stringify(withAudio)}`);
  assert.ok(median(withAudio) <= median(videoOnly) + 100, 'audio must not raise video latency');
  assert.ok(await waitFramesDecoded(page, 10, 5000));
  await stopProc(tone);
});

test('no PulseAudio: video streams, audio is reported unavailable, then starts when the server appears', async (t) => {
  const pulse = pulseDir();  // not started yet
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#ff0000');
  const ds = await startDeskstream(x.display, { PULSE_SERVER: pulse.server });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1, 15000);
  await waitFor(async () => near(await centerColor(page), [255, 0, 0]), 5000, 'red on the video');
  xsetroot(x.display, '#0000ff');
  await waitFor(async () => near(await centerColor(page), [0, 0, 255]), 1000, 'blue within 1 s');

  if (!(await audioWired(ds, t))) return;
  assert.match(ds.entry.log, /audio unavailable/);
  const health = await fetch(new URL('health', ds.url));
  assert.equal(health.status, 200, 'no audio is not unhealthy');
  const body = await health.text();
  console.log(`/health without PulseAudio: ${JSON.stringify(body)}`);
  const header = health.headers.get('x-deskstream-audio');
  console.log(`/health without PulseAudio: X-Deskstream-Audio: ${header}`);
  if (header !== null) assert.match(header, /^unavailable/);
  else if (/audio/i.test(body)) assert.match(body, /audio[^\n]*unavailable/i);

  await startAudioPeer(page);
  await sleep(1500);
  assert.ok(await waitFramesDecoded(page, 5, 5000), 'video keeps streaming');

  await startPulse(pulse);
  const tone = playTone(pulse.server, 440);
  const appeared = Date.now();
  await waitFor(() => /audio available/.test(ds.entry.log), 35000, 'audio available in the log');
  await waitDominant(page, 440, 20000, '440 Hz after PulseAudio appeared');
  console.log(`audio heard ${Date.now() - appeared} ms after PulseAudio started`);
  xsetroot(x.display, '#00ff00');
  await waitFor(async () => near(await centerColor(page), [0, 255, 0]), 1000, 'green within 1 s');
  await stopProc(tone);
});

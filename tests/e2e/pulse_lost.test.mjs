// Fault: PulseAudio dies (SIGKILL) under a streaming session and comes back on the same
// socket. The video never stops (the same RTCPeerConnection keeps decoding new frames after
// every screen change, during the outage and after it) and the audio resumes by itself: the
// audio peer (lib/audio_peer.mjs, which reconnects like the Selkies client) hears the tone
// played into the new server, with no reload and no restart of deskstream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, waitFor, stopAll, sleep,
} from './lib/harness.mjs';
import { pulseDir, startPulse, playTone, stopProc, stopPulse } from './lib/pulse.mjs';
import { startAudioPeer, waitDominant } from './lib/audio_peer.mjs';

after(async () => { await stopPulse(); await stopAll(); });

test('PulseAudio killed and restarted: video never stops, audio comes back by itself', async (t) => {
  const pulse = pulseDir();
  let pa = await startPulse(pulse);
  let tone = playTone(pulse.server, 440);
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#606060');
  const ds = await startDeskstream(x.display, { PULSE_SERVER: pulse.server });
  await waitFor(() => /audio available/.test(ds.entry.log), 15000, 'audio available');
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1, 20000);
  await page.evaluate(() => { window.__videoPc = window.deskstream.video.pc; });
  const sameVideoPc = () => page.evaluate(() => window.deskstream.video.pc === window.__videoPc &&
    window.__videoPc.connectionState === 'connected');
  await startAudioPeer(page);
  await waitDominant(page, 440, 20000, '440 Hz before the fault');

  // PulseAudio dies, and the player with it.
  await stopProc(tone);
  pa.kill('SIGKILL');
  await new Promise((r) => (pa.exitCode !== null || pa.signalCode !== null ? r() : pa.once('exit', r)));
  const killed = Date.now();
  // Generous: this bounds a hang, not a speed (pulsesrc reports the broken connection at its
  // next read; one CI run on a loaded machine missed 15 s). The log tail says what happened.
  await waitFor(() => /audio unavailable/.test(ds.entry.log), 30000, 'deskstream noticing PulseAudio is gone')
    .catch(async (e) => {
      // Missed once in 30 s with no log line at all after the kill: say whether the main loop
      // still answers and where deskstream's threads wait, to tell a hang from a silent pulsesrc.
      const t0 = Date.now();
      const health = await fetch(ds.url + 'health', { signal: AbortSignal.timeout(3000) })
        .then((r) => `HTTP ${r.status} in ${Date.now() - t0} ms`, (err) => `no answer in 3 s (${err.name})`);
      let threads = '';
      try {
        const dir = `/proc/${ds.proc.pid}/task`;
        threads = readdirSync(dir).map((tid) => {
          const comm = readFileSync(`${dir}/${tid}/comm`, 'utf8').trim();
          const wchan = readFileSync(`${dir}/${tid}/wchan`, 'utf8').trim();
          return `${comm}:${wchan}`;
        }).join(' ');
      } catch (err) { threads = `unreadable (${err.message})`; }
      throw new Error(`${e.message}; /health: ${health}; threads: ${threads}; deskstream log tail:\n` +
        ds.entry.log.slice(-3000));
    });
  console.log(`deskstream noticed PulseAudio was gone after ${Date.now() - killed} ms`);
  // Video during the outage: a screen change reaches the same peer connection, several times.
  for (let i = 0; i < 4; i++) {
    const fresh = await expectLive(page, x.display, 5000);
    assert.ok(fresh > 0);
    assert.ok(await sameVideoPc(), 'the video peer connection survives PulseAudio dying');
    await sleep(500);
  }

  // PulseAudio returns on the same socket, with another tone.
  pa = await startPulse(pulse);
  tone = playTone(pulse.server, 1000);
  const back = Date.now();
  const f = await waitDominant(page, 1000, 45000, '1 kHz after PulseAudio came back');
  console.log(`PulseAudio down for ${back - killed} ms; 1 kHz heard ${Date.now() - back} ms after it came back (${f.toFixed(1)} Hz)`);
  const fresh = await expectLive(page, x.display, 5000);
  assert.ok(fresh > 0, 'video still live');
  assert.ok(await sameVideoPc(), 'still the first video peer connection');
  const log = ds.entry.log;
  assert.equal((log.match(/video pipeline started/g) || []).length, 1, 'one video pipeline from start to end');
  assert.doesNotMatch(log, /restarting the stream for every viewer/);
  assert.ok((log.match(/audio available/g) || []).length >= 2, 'audio available again');
  assert.equal(ds.proc.exitCode, null);
  console.log(log.split('\n').filter((l) => /audio (un)?available|audio:/.test(l)).join('\n'));
  await stopProc(tone);
});

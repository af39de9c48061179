// gst-web compatibility end to end, with a real Xvfb, the real deskstream and Chromium running a
// client that speaks exactly what the Selkies web client (gst-web) sends (lib/gstweb_client.mjs):
// - without a PulseAudio server both peer connections still connect (the audio one on silence),
//   which is what gst-web waits for before it hides its loading spinner; with PulseAudio, the
//   audio peer carries the desktop's sound;
// - `pipeline` acknowledgements for vb, ab and p; `system_stats` twice a second; no `gpu_stats`
//   without an NVIDIA GPU; `s` ignored while resize is off;
// - the `_stats_*` uploads, `_f` and `_l` on /metrics under Selkies' metric names.
// And, when an upstream gst-web is at hand (DS_GST_WEB_DIR, or the Selkies mirror), gst-web
// itself: its spinner goes away without PulseAudio.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFor, freePort, stopAll, sleep, tempDir,
} from './lib/harness.mjs';
import { pulseDir, startPulse, playTone, stopPulse } from './lib/pulse.mjs';
import { installGstWebClient } from './lib/gstweb_client.mjs';

after(async () => { await stopPulse(); await stopAll(); });

// A web root with an empty page: the test client is the only client on the server.
function blankWebRoot() {
  const dir = tempDir('ds-e2e-gstweb-root-');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><body></body></html>\n');
  return dir;
}

async function scrape(port) {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}
function value(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function connectBoth(page, ds) {
  try {
    await waitFor(() => page.evaluate(() => window.__gst.spinnerHidden()), 20000, 'video and audio peers connected');
  } catch (e) {
    const s = await page.evaluate(() => ({ video: window.__gst.video, audio: window.__gst.audio, errors: window.__gst.errors, audioOffers: window.__gst.audioOffers, videoOffers: window.__gst.videoOffers, signalLog: window.__gst.signalLog }));
    throw new Error(`${e.message}: ${JSON.stringify(s)}\n${ds.entry.log.slice(-4000)}`);
  }
}

const messages = (page, type) => page.evaluate((t) => window.__gst.messages.filter((m) => m.type === t), type);

test('no PulseAudio: both peers connect (audio on silence); acks, system_stats, Selkies metrics', async () => {
  const x = await startXvfb(1280, 720);
  xsetroot(x.display, '#336699');
  const metricsPort = await freePort();
  const nowhere = pulseDir();  // never started: no PulseAudio server anywhere
  const ds = await startDeskstream(x.display, {
    PULSE_SERVER: nowhere.server,
    SELKIES_WEB_ROOT: blankWebRoot(),
    SELKIES_ENABLE_METRICS_HTTP: 'true',
    SELKIES_METRICS_HTTP_PORT: String(metricsPort),
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(ds.url);
    const t0 = Date.now();
    await installGstWebClient(page);
    await connectBoth(page, ds);
    console.log(`both peers connected ${Date.now() - t0} ms after the client started`);
    await waitFor(() => /sending Opus silence/.test(ds.entry.log), 5000, 'the silence log line');
    assert.equal(ds.entry.log.match(/sending Opus silence/g).length, 1, 'logged once');
    assert.match(ds.entry.log, /audio unavailable/);
    // The audio track carries packets, of silence.
    const level = await waitFor(async () => {
      const l = await page.evaluate(() => window.__gst.audioLevel());
      return l && l.packets > 50 ? l : false;
    }, 5000, 'audio packets');
    console.log(`audio without PulseAudio: ${JSON.stringify(level)}`);
    if (level.level !== null) assert.ok(level.level < 0.01, `silence (audioLevel ${level.level})`);

    // Acknowledgements, as Selkies words them. The client echoed vb/ab on the channel's open.
    await page.evaluate(() => { window.__gst.send('p,0'); window.__gst.send('s,1'); });
    const acks = await waitFor(async () => {
      const m = (await messages(page, 'pipeline')).map((p) => p.data.status);
      return m.length >= 3 ? m : false;
    }, 5000, 'three pipeline acknowledgements');
    assert.ok(acks.includes('Video bitrate set to: 4000'), JSON.stringify(acks));
    assert.ok(acks.includes('Audio bitrate set to: 128000'), JSON.stringify(acks));
    assert.ok(acks.includes('Set pointer visibility to: 0'), JSON.stringify(acks));
    await waitFor(() => /ignored 's[^']*': resize is disabled, DPI not changed/.test(ds.entry.log), 3000, 's ignored with resize off');

    // system_stats: every 0.5 s as on Selkies, with psutil's fields and units.
    const before = (await messages(page, 'system_stats')).length;
    await sleep(2000);
    const stats = await messages(page, 'system_stats');
    const rate = (stats.length - before) / 2;
    console.log(`system_stats: ${rate}/s, last ${JSON.stringify(stats.at(-1).data)}`);
    assert.ok(rate >= 1.5 && rate <= 2.5, `two a second (${rate})`);
    const d = stats.at(-1).data;
    assert.deepEqual(Object.keys(d).sort(), ['cpu_percent', 'mem_total', 'mem_used']);
    assert.ok(d.cpu_percent >= 0 && d.cpu_percent <= 100);
    assert.ok(Number.isInteger(d.mem_total) && d.mem_total > 0 && d.mem_used > 0 && d.mem_used <= d.mem_total);
    assert.equal((await messages(page, 'gpu_stats')).length, 0, 'no gpu_stats without an NVIDIA GPU');
    assert.match(ds.entry.log, /no GPU statistics: .*gpu_stats not sent/);

    // The uploads on /metrics under Selkies' names.
    const m = await waitFor(async () => {
      const text = await scrape(metricsPort);
      return /webrtc_statistics_info\{[^}]*inbound_rtp_kind="audio"/.test(text) && value(text, 'fps_hist_count') >= 1 ? text : false;
    }, 10000, '_stats_audio and _f on /metrics');
    const info = m.split('\n').find((l) => l.startsWith('webrtc_statistics_info{'));
    console.log(`webrtc_statistics_info: ${info.length} characters, ${info.split('="').length - 1} labels`);
    assert.match(info, /codec_[A-Za-z0-9_]*mimeType="audio\/opus"|codec_mimeType="audio\/opus"/i);
    assert.match(info, /inbound_rtp_packetsReceived="\d+"/);
    assert.equal(value(m, 'latency'), 42);
    assert.ok(value(m, 'fps') >= 0);
    for (const family of ['fps gauge', 'fps_hist histogram', 'latency gauge', 'webrtc_statistics_info gauge']) {
      assert.ok(m.includes(`# TYPE ${family}\n`), family);
    }
    assert.ok(!m.includes('gpu_utilization'), 'no gpu_utilization without a GPU');
    const sent = await page.evaluate(() => window.__gst.statsSent);
    assert.ok(sent >= 2, `the client uploaded its statistics (${sent} times)`);
    assert.doesNotMatch(ds.entry.log, /ignored '_stats/, 'every upload was accepted');
  } finally {
    await browser.close();
  }
});

test('with PulseAudio: both peers connect and the audio peer carries the desktop sound', async () => {
  const pulse = pulseDir();
  await startPulse(pulse);
  playTone(pulse.server, 440);
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display, { PULSE_SERVER: pulse.server, SELKIES_WEB_ROOT: blankWebRoot() });
  await waitFor(() => /audio available/.test(ds.entry.log), 10000, 'audio available');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    await page.goto(ds.url);
    await installGstWebClient(page, { width: 640, height: 360 });
    await connectBoth(page, ds);
    const level = await waitFor(async () => {
      const l = await page.evaluate(() => window.__gst.audioLevel());
      return l && l.packets > 50 && (l.level === null || l.level > 0.05) ? l : false;
    }, 10000, 'the tone on the audio peer');
    console.log(`audio with PulseAudio: ${JSON.stringify(level)}`);
    assert.doesNotMatch(ds.entry.log, /sending Opus silence/);
    const acks = await waitFor(async () => {
      const m = (await messages(page, 'pipeline')).map((p) => p.data.status);
      return m.includes('Audio bitrate set to: 128000') ? m : false;
    }, 5000, 'the ab acknowledgement');
    assert.ok(acks.includes('Video bitrate set to: 4000'));
  } finally {
    await browser.close();
  }
});

// Upstream gst-web itself: from DS_GST_WEB_DIR, else extracted from the Selkies mirror if this
// machine has one (the repository does not ship gst-web).
function gstWebRoot() {
  if (process.env.DS_GST_WEB_DIR) return existsSync(path.join(process.env.DS_GST_WEB_DIR, 'index.html')) ? process.env.DS_GST_WEB_DIR : null;
  const mirror = process.env.DS_SELKIES_MIRROR || '/work/.mirror/selkies-project+selkies-gstreamer/repo';
  if (!existsSync(mirror)) return null;
  const dir = tempDir('ds-e2e-gstweb-');
  try {
    const tar = execFileSync('git', [`--git-dir=${mirror}`, 'archive', 'HEAD', 'addons/gst-web/src'], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  } catch (e) {
    return null;
  }
  const root = path.join(dir, 'addons/gst-web/src');
  return existsSync(path.join(root, 'index.html')) ? root : null;
}

async function gstWebSpinnerGoes(t, withPulse) {
  const root = gstWebRoot();
  if (!root) {
    t.skip('no upstream gst-web here (set DS_GST_WEB_DIR to a gst-web src directory, or DS_SELKIES_MIRROR to a selkies-gstreamer git dir)');
    return;
  }
  const x = await startXvfb(1280, 720);
  xsetroot(x.display, '#ff0000');
  const pulse = pulseDir();
  if (withPulse) {
    await startPulse(pulse);
    playTone(pulse.server, 440);
  }
  const ds = await startDeskstream(x.display, { PULSE_SERVER: pulse.server, SELKIES_WEB_ROOT: root });
  if (withPulse) await waitFor(() => /audio available/.test(ds.entry.log), 10000, 'audio available');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const logs = [];
    page.on('console', (msg) => logs.push(msg.text()));
    await page.goto(ds.url);
    const spinnerVisible = () => page.evaluate(() => {
      const s = document.querySelector('.loading .v-spinner');
      return s !== null && getComputedStyle(s).display !== 'none';
    });
    await waitFor(spinnerVisible, 10000, 'gst-web to show its spinner while connecting');
    try {
      await waitFor(async () => !(await spinnerVisible()), 30000, 'gst-web to hide its spinner');
    } catch (e) {
      throw new Error(`${e.message}\npage log:\n${logs.slice(-30).join('\n')}\n${ds.entry.log.slice(-3000)}`);
    }
    const shown = await page.evaluate(() => ({ loadingText: document.querySelector('.loading-text')?.textContent ?? null }));
    assert.equal(shown.loadingText, null, 'no loading text once connected');
    await waitFor(() => page.evaluate(() => document.getElementById('stream').videoWidth === 1280), 10000, 'the desktop on the video');
    console.log(`gst-web ${withPulse ? 'with' : 'without'} PulseAudio: spinner hidden, desktop shown`);
    assert.equal(/sending Opus silence/.test(ds.entry.log), !withPulse);
    // gst-web's statistics loop runs once both peers are connected: its uploads are accepted.
    await sleep(2500);
    assert.doesNotMatch(ds.entry.log, /ignored '_stats/);
  } finally {
    await browser.close();
  }
}

test('upstream gst-web without PulseAudio: the spinner goes and the desktop shows', (t) => gstWebSpinnerGoes(t, false));
test('upstream gst-web with PulseAudio: the spinner goes and the desktop shows', (t) => gstWebSpinnerGoes(t, true));

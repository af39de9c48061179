// The quality/settings panel of the web client (web/src/panel/), end to end with
// the real binary, Xvfb and Chromium: its figures agree with getStats, a viewer's panel is
// read-only and the server ignores a viewer's forced change, settings persist to the next visit,
// the clipboard boxes round-trip with the X clipboard, the fullscreen / pointer-lock /
// keyboard-lock buttons call the browser's APIs, the Reconnect button reconnects, and
// screenshots at three viewport sizes. Plus the panel's pure helpers (no browser).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, freePort,
  deskstreamBin, tempDir,
} from './lib/harness.mjs';
import { viewerTokens } from './lib/tokens.mjs';
import { shortcutOf } from '../../web/src/panel/hook.js';
import { niceMax, pointAt, toCanvas } from '../../web/src/panel/plot.js';
import { History, rtcFigures, wsFigures } from '../../web/src/panel/figures.js';
import { SERVER_SETTINGS, storedChanges, validSetting } from '../../web/src/panel/settings.js';
import { scrape } from './lib/metrics.mjs';

after(stopAll);

const children = [];
after(() => children.forEach((c) => { if (c.exitCode === null) c.kill('SIGKILL'); }));
function background(cmd, args, display) {
  const c = spawn(cmd, args, { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
  children.push(c);
  return c;
}

// A moving picture so fps and bitrate are steady (bench/ds_painter).
function painter(display) {
  return background(process.env.DS_PAINTER || path.join(path.dirname(deskstreamBin), '../../bench/ds_painter'),
    ['--period-us', '33000', '--block', '16', '--motion', '--motion-hz', '30'], display);
}

async function openPage(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await waitFramesDecoded(page, 3, 20000);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel');
  return page;
}

async function openPanel(page) {
  await page.keyboard.press('Control+Alt+Shift+KeyM');
  await waitFor(() => page.evaluate(() => {
    const p = document.getElementById('ds_panel');
    return p && !p.hidden;
  }), 10000, 'the panel to open on Ctrl+Alt+Shift+M');
}

const role = (page) => page.evaluate(() => window.deskstream.panelHook.server.role);

test('pure helpers: shortcuts, plot scale, figures from getStats and WebSocket counters, settings', () => {
  const key = (code, mods) => ({ code, ctrlKey: true, altKey: true, shiftKey: true, metaKey: false, ...mods });
  assert.equal(shortcutOf(key('KeyM')), 'panel');
  assert.equal(shortcutOf(key('KeyK')), 'keyboardLock');
  assert.equal(shortcutOf(key('KeyM', { altKey: false })), null, 'Ctrl+Shift+M stays the desktop\'s');
  assert.equal(shortcutOf(key('KeyQ')), null);
  assert.equal(niceMax(0.3), 1);
  assert.equal(niceMax(37), 50);
  assert.equal(niceMax(4100, 100), 5000);
  assert.equal(niceMax(NaN, 10), 10);
  assert.deepEqual(toCanvas(1000, 5, 1000, 60000, 10, 300, 42), [300, 21]);
  assert.deepEqual(toCanvas(-59000, 20, 1000, 60000, 10, 300, 42), [0, 1], 'clipped to the top');
  const pts = [{ t: 10000, fps: 30 }, { t: 11000 }, { t: 12000, fps: 20 }, { t: 40000, fps: 5 }];
  assert.equal(pointAt(pts, 'fps', 300, 300, 40000, 60000).fps, 5, 'the right edge is now');
  assert.equal(pointAt(pts, 'fps', 162.5, 300, 40000, 60000).t, 12000, 'the nearest sample with a value');
  assert.equal(pointAt(pts, 'fps', 0, 300, 200000, 60000), null, 'nothing within 3 s of that moment');

  const report = (t, o) => new Map([
    ['IT', { type: 'inbound-rtp', kind: 'video', timestamp: t, framesPerSecond: 30, jitterBufferDelay: 0.3 * o.n,
      jitterBufferEmittedCount: 30 * o.n, ...o }],
    ['T', { type: 'transport', selectedCandidatePairId: 'CP' }],
    ['CP', { type: 'candidate-pair', id: 'CP', currentRoundTripTime: 0.04 }],
  ]);
  const a = rtcFigures(report(1000, { n: 1, bytesReceived: 100000, packetsLost: 0, packetsReceived: 100, framesDecoded: 30, totalDecodeTime: 0.06 }), null);
  assert.equal(a.kbps, null, 'no rate before a second sample');
  const b = rtcFigures(report(2000, { n: 2, bytesReceived: 350000, packetsLost: 5, packetsReceived: 195, framesDecoded: 60, totalDecodeTime: 0.15 }), a.sample);
  assert.equal(b.fps, 30);
  assert.equal(b.kbps, 2000, '250 kB in 1 s');
  assert.equal(b.lossPct, 5, '5 lost of 100');
  assert.equal(b.rttMs, 40);
  assert.ok(Math.abs(b.decodeMs - 3) < 1e-9, '0.09 s over 30 frames');
  assert.equal(b.latencyMs, 40 + 10 + 3, 'stats.js: round trip + jitter buffer + decode');
  const w1 = wsFigures({ bytes: 0, framesDecoded: 0, receiveToDrawMs: 0 }, null, 0, 20);
  const w2 = wsFigures({ bytes: 125000, framesDecoded: 20, receiveToDrawMs: 40 }, w1.sample, 1000, 20);
  assert.deepEqual([w2.fps, w2.kbps, w2.decodeMs, w2.rttMs, w2.lossPct, w2.latencyMs], [20, 1000, 2, 20, null, 22]);
  const h = new History(60);
  for (let t = 0; t <= 120000; t += 1000) h.push(t, { fps: t });
  assert.equal(h.points.length, 61, 'the last minute only');
  assert.equal(h.latest().fps, 120000);

  const system = { video_bitrate: '4000', framerate: '30', audio_bitrate: '128000', resize: 'False' };
  assert.deepEqual(storedChanges({ videoBitrate: 2500, framerate: 30, resize: true }, system),
    [['videoBitrate', 2500], ['resize', true]]);
  assert.deepEqual(storedChanges({ videoBitrate: 'x', framerate: 9999, audioBitrate: 1 }, system), [], 'bad stored values are ignored');
  assert.equal(SERVER_SETTINGS.resize.message(true, '800x600'), '_arg_resize,true,800x600');
  assert.equal(SERVER_SETTINGS.framerate.message(24), '_arg_fps,24');
  assert.equal(validSetting('framerate', '24'), 24);
  assert.equal(validSetting('resize', 'yes'), null);
});

test('the panel: figures agree with getStats, plots drawn, transport named; opens lazily', async (t) => {
  const x = await startXvfb(640, 360);
  painter(x.display);
  const ds = await startDeskstream(x.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openPage(browser, ds.url);
  await openPanel(page);
  await waitFor(() => page.evaluate(() => (window.deskstream.panel.history.points.length >= 4)), 15000, 'four samples');
  const got = await page.evaluate(async () => {
    const panel = window.deskstream.panel;
    const stats = async () => {
      let inbound = null;
      let pair = null;
      const r = await window.deskstream.video.pc.getStats();
      r.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') inbound = s;
        if (s.type === 'transport' && s.selectedCandidatePairId) pair = r.get(s.selectedCandidatePairId);
      });
      return { t: performance.now(), bytes: inbound.bytesReceived, fps: inbound.framesPerSecond, rtt: pair.currentRoundTripTime * 1000 };
    };
    const a = await stats();
    await new Promise((r) => setTimeout(r, 3000));
    const b = await stats();
    const points = panel.history.points.slice(-3);
    const dom = {};
    document.querySelectorAll('#ds_panel [data-figure]').forEach((e) => {
      dom[e.dataset.figure] = { text: e.querySelector('.value').textContent, value: e.querySelector('.value').dataset.value };
    });
    const canvas = document.querySelector('#ds_panel [data-figure=fps] canvas');
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) drawn += 1;
    return {
      kbps: ((b.bytes - a.bytes) * 8) / (b.t - a.t), fps: b.fps, rtt: b.rtt, points, latest: panel.history.latest(), dom, drawn,
      transport: document.querySelector('#ds_panel [data-transport]').textContent,
    };
  });
  const mean = (k) => got.points.reduce((s, p) => s + p[k], 0) / got.points.length;
  assert.ok(got.fps > 5, `the painter moves (${got.fps} fps)`);
  assert.ok(Math.abs(mean('fps') - got.fps) <= Math.max(5, 0.3 * got.fps), `fps: panel ${mean('fps')} vs getStats ${got.fps}`);
  assert.ok(Math.abs(mean('kbps') - got.kbps) <= 0.4 * got.kbps + 50, `bitrate: panel ${mean('kbps')} vs getStats ${got.kbps} kbit/s`);
  assert.ok(Math.abs(got.latest.rttMs - got.rtt) <= 20, `rtt: panel ${got.latest.rttMs} vs getStats ${got.rtt} ms`);
  assert.ok(got.latest.lossPct >= 0 && got.latest.lossPct < 5, `loss on loopback (${got.latest.lossPct} %)`);
  assert.ok(got.latest.decodeMs > 0 && got.latest.decodeMs < 100, `decode time (${got.latest.decodeMs} ms)`);
  assert.ok(got.latest.latencyMs >= got.latest.rttMs, 'latency includes the round trip');
  for (const k of ['latencyMs', 'fps', 'kbps', 'lossPct', 'rttMs', 'decodeMs']) {
    assert.ok(got.dom[k] && got.dom[k].value !== '', `${k} shown (${JSON.stringify(got.dom[k])})`);
  }
  assert.ok(got.drawn > 50, `the fps plot has a line (${got.drawn} pixels)`);
  assert.equal(got.transport, 'WebRTC direct');
  // Hovering a plot reads out the value at that moment and how long ago it was.
  const box = await page.locator('#ds_panel [data-figure=fps] canvas').boundingBox();
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  const hovered = await page.evaluate(() => {
    const v = document.querySelector('#ds_panel [data-figure=fps] .value');
    return { text: v.textContent, value: v.dataset.hover };
  });
  assert.match(hovered.text, /^\d+ · \d+ s ago$/, `hover read-out (${hovered.text})`);
  assert.ok(Number(hovered.value) > 0, 'the hovered sample has a value');
  await page.mouse.move(0, 0);
  await waitFor(() => page.evaluate(() => !/ago/.test(document.querySelector('#ds_panel [data-figure=fps] .value').textContent)),
    3000, 'the read-out to go when the pointer leaves');
  // The close button and the shortcut again.
  await page.click('#ds_panel .close');
  assert.equal(await page.evaluate(() => document.getElementById('ds_panel').hidden), true);
  await page.click('#panel_button');
  await waitFor(() => page.evaluate(() => !document.getElementById('ds_panel').hidden), 5000, 'the corner button opens it');
});

test('a viewer sees the settings read-only and the server ignores a viewer\'s forced change', async (t) => {
  const x = await startXvfb(640, 360);
  const tokens = viewerTokens();
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, {
    ...tokens.env, SELKIES_ENABLE_METRICS_HTTP: 'true', SELKIES_METRICS_HTTP_PORT: String(metricsPort),
    SELKIES_CONGESTION_CONTROL: 'false',  // the encoder runs exactly at the configured values
  });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const controller = await openPage(await browser.newContext(), ds.url + tokens.query('control'));
  const viewer = await openPage(await browser.newContext(), ds.url + tokens.query('view'));
  await waitFor(async () => (await role(viewer)) === 'view' && (await role(controller)) === 'control', 10000, 'roles');
  await openPanel(viewer);
  const ui = await viewer.evaluate(() => ({
    disabled: document.querySelector('#ds_panel fieldset').disabled,
    note: document.querySelector('#ds_panel .settings .note').textContent,
    bitrate: document.querySelector('#ds_panel [data-setting=videoBitrate]').value,
    clipboard: document.querySelector('#ds_panel [data-action=clipboardSend]').disabled,
  }));
  assert.equal(ui.disabled, true, 'server settings read-only');
  assert.match(ui.note, /View only/);
  assert.equal(ui.bitrate, '4000', 'shows the server\'s value');
  assert.equal(ui.clipboard, true);
  const encoder = async () => {
    const m = await scrape(metricsPort);
    return [m.deskstream_video_encoder_kbps, m.deskstream_video_encoder_fps];
  };
  assert.deepEqual(await encoder(), [4000, 30]);
  // A viewer page that forces it anyway: straight onto the data channel.
  const sent = await viewer.evaluate(() => window.deskstream.panel.settings.set('videoBitrate', 500));
  assert.equal(sent, false, 'the panel does not send a viewer\'s change');
  await viewer.evaluate(() => {
    const ch = window.deskstream.video.channel;
    ch.send('vb,500');
    ch.send('_arg_fps,5');
    ch.send('_arg_resize,true,320x240');
  });
  await sleep(1500);
  assert.deepEqual(await encoder(), [4000, 30], 'the encoder is unchanged');
  // The controller's panel does change it (so the check above could fail).
  await openPanel(controller);
  await controller.fill('#ds_panel [data-setting=videoBitrate]', '2500');
  await controller.press('#ds_panel [data-setting=videoBitrate]', 'Enter');
  await controller.selectOption('#ds_panel [data-setting=framerate]', '15');
  await waitFor(async () => (await encoder()).join() === '2500,15', 5000, 'the controller\'s change on the encoder');
  // The viewer's open panel follows the controller's change (the server announces it to
  // deskstream's client; the values it announced when the channel opened are stale now).
  const viewerValues = () => viewer.evaluate(() => [
    document.querySelector('#ds_panel [data-setting=videoBitrate]').value,
    document.querySelector('#ds_panel [data-setting=framerate]').value,
  ]);
  let seen = null;
  await waitFor(async () => (seen = await viewerValues()).join() === '2500,15', 5000,
    'the viewer\'s panel showing the controller\'s change').catch(() => {});
  assert.deepEqual(seen, ['2500', '15']);
});

test('settings persist in the browser and are applied on the next visit', async (t) => {
  const x = await startXvfb(640, 360);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;  // the same origin for both servers: the same localStorage
  const metricsPort = await freePort();
  const env = {
    SELKIES_PORT: String(port), SELKIES_ENABLE_METRICS_HTTP: 'true', SELKIES_METRICS_HTTP_PORT: String(metricsPort),
    SELKIES_CONGESTION_CONTROL: 'false',
  };
  let ds = await startDeskstream(x.display, env);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const context = await browser.newContext();
  let page = await openPage(context, url);
  await waitFor(async () => (await role(page)) === 'control', 10000, 'role');
  await openPanel(page);
  await page.fill('#ds_panel [data-setting=videoBitrate]', '3000');
  await page.press('#ds_panel [data-setting=videoBitrate]', 'Enter');
  await page.selectOption('#ds_panel [data-setting=framerate]', '20');
  await page.evaluate(() => {
    const v = document.querySelector('#ds_panel [data-setting=volume]');
    v.value = '30';
    v.dispatchEvent(new Event('input'));
  });
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('deskstream.settings')));
  assert.equal(stored.videoBitrate, 3000);
  assert.equal(stored.framerate, 20);
  assert.ok(Math.abs(stored.volume - 0.3) < 0.01);

  // A reload: the panel shows them again.
  await page.reload();
  await waitFramesDecoded(page, 3, 20000);
  await openPanel(page);
  const panelValues = () => page.evaluate(() => ({
    bitrate: document.querySelector('#ds_panel [data-setting=videoBitrate]').value,
    fps: document.querySelector('#ds_panel [data-setting=framerate]').value,
    volume: document.getElementById('audio_stream').volume,
  }));
  // The page sends the stored values once the server says it controls, and shows them. (Whether
  // the server had them before the reload is a race: a message sent just before it may be lost
  // with the page, which is what the stored values are for.)
  let shown = await panelValues();
  await waitFor(async () => {
    shown = await panelValues();
    return shown.bitrate === '3000' && shown.fps === '20';
  }, 15000, 'the stored bitrate and frame rate shown after the reload').catch(() => {});
  assert.deepEqual([shown.bitrate, shown.fps], ['3000', '20'], await pageSide(page));
  assert.ok(Math.abs(shown.volume - 0.3) < 0.01, `volume ${shown.volume}`);
  let applied = null;
  await waitFor(async () => {
    applied = await scrape(metricsPort);
    return applied.deskstream_video_encoder_kbps === 3000 && applied.deskstream_video_encoder_fps === 20;
  }, 10000, 'the stored settings on the encoder after the reload').catch(() => {});
  assert.deepEqual([applied.deskstream_video_encoder_kbps, applied.deskstream_video_encoder_fps], [3000, 20],
    await pageSide(page));
  await page.close();

  // The next visit, to a server started afresh with its defaults (4000 kbit/s, 30 fps).
  ds.proc.kill('SIGTERM');
  await new Promise((r) => (ds.proc.exitCode !== null ? r() : ds.proc.once('exit', r)));
  ds = await startDeskstream(x.display, env);
  const m0 = await scrape(metricsPort);
  assert.equal(m0.deskstream_video_encoder_kbps, 4000);
  page = await openPage(context, url);
  let m1 = null;
  await waitFor(async () => {
    m1 = await scrape(metricsPort);
    return m1.deskstream_video_encoder_kbps === 3000 && m1.deskstream_video_encoder_fps === 20;
  }, 15000, 'the stored settings applied to the new server').catch(() => {});
  assert.deepEqual([m1.deskstream_video_encoder_kbps, m1.deskstream_video_encoder_fps], [3000, 20],
    `the new server's encoder; ${await pageSide(page)}`);
  // The server announced its defaults when the channel opened; the panel shows the stored values
  // the page sent after them.
  await openPanel(page);
  shown = await panelValues();
  assert.deepEqual([shown.bitrate, shown.fps], ['3000', '20'], await pageSide(page));
});

// What the page knew, for a failure message: its transport and channel, the role and values the
// server announced, the stored settings.
function pageSide(page) {
  return page.evaluate(() => {
    const hook = window.deskstream.panelHook;
    return JSON.stringify({
      transport: window.deskstream.ws ? 'websocket' : 'webrtc', phase: window.deskstream.state?.phase,
      channel: hook?.server.channelOpen, role: hook?.server.role, system: hook?.server.system,
      stored: JSON.parse(localStorage.getItem('deskstream.settings') || 'null'),
    });
  }).catch((e) => `(the page could not say: ${e.message})`);
}

test('the clipboard boxes round-trip text with the X clipboard', async (t) => {
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openPage(await browser.newContext(), ds.url);
  await waitFor(async () => (await role(page)) === 'control', 10000, 'role');
  await openPanel(page);
  const clipboardDenied = await page.evaluate(() => navigator.clipboard.readText().then(() => false, () => true));
  assert.ok(clipboardDenied, 'this page has no asynchronous clipboard access (the case the boxes are for)');
  const toDesktop = 'from the browser: naïve 日本 ✓';
  await page.fill('#ds_panel [data-clipboard=out]', toDesktop);
  await page.click('#ds_panel [data-action=clipboardSend]');
  const xclip = (args) => execFileSync('xclip', args, { env: { ...process.env, DISPLAY: x.display }, timeout: 5000 }).toString();
  await waitFor(() => xclip(['-o', '-selection', 'clipboard']) === toDesktop, 5000, 'the X CLIPBOARD to hold the text');

  const fromDesktop = `from X ${Date.now()} — ü`;
  const owner = spawn('xclip', ['-quiet', '-i', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: x.display }, stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(owner);
  owner.stdin.end(fromDesktop);
  await sleep(300);
  await page.click('#ds_panel [data-action=clipboardFetch]');
  await waitFor(() => page.evaluate((want) => document.querySelector('#ds_panel [data-clipboard=in]').value === want, fromDesktop),
    5000, 'the desktop clipboard in the box');
  owner.kill();
});

test('fullscreen, pointer lock and keyboard lock buttons and shortcuts call the browser APIs', async (t) => {
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  // Records each call and calls through (headless Chromium has no real screen or pointer).
  await page.addInitScript(() => {
    window.__calls = [];
    const wrap = (obj, name, label) => {
      const orig = obj[name];
      if (!orig) return;
      obj[name] = function (...args) {
        window.__calls.push(label);
        return orig.apply(this, args);
      };
    };
    wrap(Element.prototype, 'requestFullscreen', 'requestFullscreen');
    wrap(Element.prototype, 'requestPointerLock', 'requestPointerLock');
    if (navigator.keyboard) {
      wrap(Object.getPrototypeOf(navigator.keyboard), 'lock', 'keyboard.lock');
      wrap(Object.getPrototypeOf(navigator.keyboard), 'unlock', 'keyboard.unlock');
    }
  });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 3, 20000);
  await openPanel(page);
  await page.click('#ds_panel [data-action=fullscreen]');
  await waitFor(() => page.evaluate(() => window.__calls.includes('requestFullscreen')), 5000, 'requestFullscreen');
  const fs = await waitFor(() => page.evaluate(() => !!document.fullscreenElement), 5000, 'fullscreen').catch(() => false);
  if (fs) {
    // In fullscreen the keyboard is locked (all keys) by itself.
    await waitFor(() => page.evaluate(() => window.__calls.includes('keyboard.lock')), 5000, 'keyboard.lock in fullscreen');
    // The button follows the fullscreenchange event, which may come after fullscreenElement is set.
    await waitFor(() => page.evaluate(() => document.querySelector('#ds_panel [data-action=fullscreen]').getAttribute('aria-pressed') === 'true'),
      3000, 'the fullscreen button pressed');
    await sleep(200);
    if (await page.evaluate(() => window.deskstream.panelHook.keyboardLocked)) {
      await page.click('#ds_panel [data-action=keyboardLock]');  // off
      await waitFor(() => page.evaluate(() => window.__calls.includes('keyboard.unlock')), 5000, 'keyboard.unlock');
    } else {
      console.log('# headless Chromium refused keyboard.lock(): only the call is checked');
    }
    await page.click('#ds_panel [data-action=fullscreen]');  // leave
    await waitFor(() => page.evaluate(() => !document.fullscreenElement), 5000, 'fullscreen left');
  } else {
    console.log('# headless Chromium did not enter fullscreen: only the call is checked');
  }
  await page.click('#ds_panel [data-action=pointerLock]');
  await waitFor(() => page.evaluate(() => window.__calls.includes('requestPointerLock')), 5000, 'requestPointerLock');
  const locked = await waitFor(() => page.evaluate(() => !!document.pointerLockElement), 3000, 'pointer lock').catch(() => false);
  if (locked) {
    // The page told the server to draw the cursor, and the button shows it; then unlocked.
    // (pointerLockElement is set before the pointerlockchange event the button follows is handled.)
    await waitFor(() => page.evaluate(() => document.querySelector('#ds_panel [data-action=pointerLock]').getAttribute('aria-pressed') === 'true'),
      3000, 'the pointer lock button pressed');
    await page.evaluate(() => document.exitPointerLock());
    await waitFor(() => page.evaluate(() => !document.pointerLockElement), 3000, 'pointer unlocked');
  } else {
    console.log('# headless Chromium did not lock the pointer: only the call is checked');
  }
  // The shortcuts, with the pointer on the video (they do not reach the desktop).
  await page.evaluate(() => { window.__calls.length = 0; });
  await page.keyboard.press('Control+Alt+Shift+KeyK');
  await waitFor(() => page.evaluate(() => window.__calls.includes('requestFullscreen') || window.__calls.includes('keyboard.lock')),
    5000, 'Ctrl+Alt+Shift+K: keyboard lock (entering fullscreen)');
  await page.evaluate(() => document.exitFullscreen?.().catch(() => {}));
  await page.evaluate(() => { window.__calls.length = 0; });
  await page.keyboard.press('Control+Alt+Shift+KeyL');
  await waitFor(() => page.evaluate(() => window.__calls.includes('requestPointerLock')), 5000, 'Ctrl+Alt+Shift+L: pointer lock');
});

test('connection lost: a clear message, and the Reconnect button reconnects at once', async (t) => {
  const x = await startXvfb(640, 360);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let ds = await startDeskstream(x.display, { SELKIES_PORT: String(port) });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  // Records when the page opens WebSockets. While `__networkDown` is set they go to a closed
  // port, as a network still down would: the automatic retries keep failing and backing off.
  await page.addInitScript(() => {
    window.__sockets = [];
    const Original = window.WebSocket;
    window.WebSocket = class extends Original {
      constructor(url, ...rest) {
        super(window.__networkDown ? 'ws://127.0.0.1:9/' : url, ...rest);
        window.__sockets.push(Date.now());
      }
    };
  });
  await page.goto(url);
  await waitFramesDecoded(page, 3, 20000);
  assert.equal(await page.evaluate(() => document.getElementById('lost').hidden), true, 'no banner while live');

  ds.proc.kill('SIGTERM');  // the server goes away: every connection of the page closes
  await new Promise((r) => (ds.proc.exitCode !== null ? r() : ds.proc.once('exit', r)));
  await waitFor(() => page.evaluate(() => !document.getElementById('lost').hidden), 10000, 'the banner');
  const text = await page.evaluate(() => document.getElementById('lost').textContent);
  assert.match(text, /Connection lost/);
  assert.match(text, /Reconnect/);
  await page.evaluate(() => { window.__networkDown = true; });
  ds = await startDeskstream(x.display, { SELKIES_PORT: String(port) });
  // The next automatic retry more than a second away: only the button explains an attempt
  // right after the click.
  await waitFor(() => page.evaluate(() => {
    const { backoff } = window.deskstream.video;
    return backoff.pending() && backoff.at - Date.now() > 1200;
  }), 20000, 'a retry more than 1.2 s away');
  assert.equal(await page.evaluate(() => document.getElementById('lost').hidden), false, 'the banner stays');
  const clickedAt = await page.evaluate(() => {
    window.__networkDown = false;
    const now = Date.now();
    document.getElementById('reconnect').click();
    return now;
  });
  await sleep(300);
  const attempts = await page.evaluate((t0) => window.__sockets.filter((s) => s >= t0 && s < t0 + 250).length, clickedAt);
  assert.ok(attempts >= 1, 'the click opened a signalling socket at once');
  await waitFor(() => page.evaluate(() => document.getElementById('lost').hidden && window.deskstream.state.phase === 'live'),
    20000, 'live again, banner gone');
  await waitFramesDecoded(page, 1, 20000);
});

test('screenshots of the page with the panel open at desktop, tablet and phone sizes', async (t) => {
  const x = await startXvfb(1280, 800);
  execFileSync('xsetroot', ['-solid', '#2b4a63'], { env: { ...process.env, DISPLAY: x.display } });
  if (existsSync('/usr/bin/xterm')) {
    background('xterm', ['-geometry', '64x8+40+40', '-fa', 'Monospace', '-fs', '11', '-e', 'sh', '-c',
      'echo "deskstream: this desktop, streamed"; echo; echo "Ctrl+Alt+Shift+M  the panel"; echo "Ctrl+Shift+F      fullscreen"; sleep 600'], x.display);
  }
  if (existsSync('/usr/bin/xclock')) background('xclock', ['-geometry', '180x180+760+60', '-update', '1'], x.display);
  const ds = await startDeskstream(x.display);
  // Into the build tree (next to the binary under test), else a temp dir; DS_SCREENSHOT_DIR wins.
  const dir = process.env.DS_SCREENSHOT_DIR || (process.env.DESKSTREAM_BIN
    ? path.join(path.dirname(deskstreamBin), '../../tests/e2e/screenshots')
    : tempDir('ds-shots-'));
  mkdirSync(dir, { recursive: true });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const sizes = { desktop: [1280, 800], tablet: [820, 1180], phone: [390, 844] };
  for (const [name, [width, height]] of Object.entries(sizes)) {
    const page = await openPage(await browser.newContext({ viewport: { width, height } }), ds.url);
    await openPanel(page);
    // DS_SCREENSHOT_SECONDS (default 8): how much of the minute the plots show.
    const seconds = Number(process.env.DS_SCREENSHOT_SECONDS) || 8;
    await waitFor(() => page.evaluate((n) => window.deskstream.panel.history.points.length >= n, seconds), seconds * 1000 + 15000,
      `${seconds} seconds of plots`);
    const box = await page.locator('#ds_panel').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= width + 1, `${name}: the panel fits the width (${JSON.stringify(box)})`);
    assert.ok(box.height <= height, `${name}: the panel fits the height, scrolling inside`);
    const file = path.join(dir, `panel-${name}.png`);
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 5000, `${file} written`);
    console.log(`# screenshot: ${file}`);
    await page.context().close();
  }
});

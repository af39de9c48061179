// End to end: the WebSocket + WebCodecs transport. Runs inside a private network
// namespace (unshare -n: only `lo`, its own iptables) where, for the fallback test, everything
// but the web port is dropped (all other TCP and all UDP), as behind an HTTP-only gateway: the
// page must fall back to the WebSocket by itself, decode the desktop colour, type into an xterm
// and follow a resize. With UDP allowed, the same page must stay on WebRTC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFor, stopAll, sleep, tempDir, near, deskstreamBin,
  logTail,
} from './lib/harness.mjs';

const self = fileURLToPath(import.meta.url);
const inNamespace = process.env.DS_WS_NETNS === '1';

if (!inNamespace) {
  // Outer run: re-run this file inside a fresh network namespace; its tests are the real ones.
  test('WebSocket transport (inside a network namespace)', { timeout: 300000 }, (t) => {
    const probe = spawnSync('unshare', ['-n', 'true']);
    if (probe.status !== 0) {
      t.skip('needs a private network namespace (unshare -n, root) to drop every port but the web port');
      return;
    }
    // NODE_TEST_CONTEXT would make the inner runner think it is nested and run nothing.
    const env = { ...process.env, DS_WS_NETNS: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('timeout', ['--kill-after=20', '280', 'unshare', '-n', 'bash', '-c',
      'ip link set lo up && exec node --test --test-concurrency=1 --test-reporter=spec "$0"', self], {
      env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    process.stdout.write(r.stdout || '');
    process.stderr.write(r.stderr || '');
    assert.equal(r.status, 0, 'the tests inside the namespace passed (output above)');
    const passed = Number((/ℹ pass (\d+)/.exec(r.stdout || '') || [])[1]);
    assert.equal(passed, 3, 'every test ran and passed inside the namespace');
  });
} else {
  after(stopAll);
  const x = (display, cmd, args) => execFileSync(cmd, args, { env: { ...process.env, DISPLAY: display } }).toString();
  const screenSize = (display) => /dimensions:\s+(\d+x\d+)/.exec(x(display, 'xdpyinfo', []))[1];
  const iptables = (...args) => execFileSync('iptables', args);

  // Only the web port: everything else on lo, TCP and UDP, is dropped (this namespace only).
  function onlyWebPort(port) {
    iptables('-A', 'INPUT', '-p', 'tcp', '--dport', String(port), '-j', 'ACCEPT');
    iptables('-A', 'INPUT', '-p', 'tcp', '--sport', String(port), '-j', 'ACCEPT');
    iptables('-A', 'INPUT', '-p', 'tcp', '-j', 'DROP');
    iptables('-A', 'INPUT', '-p', 'udp', '-j', 'DROP');
  }

  // What the page shows over the WebSocket (its <video> fed by a generated track in Chromium, a
  // canvas elsewhere): size, frames decoded, the colour near the bottom-right corner (the
  // xterm covers the top-left), the status line.
  const canvasInfo = (page) => page.evaluate(() => {
    const ws = window.deskstream.ws;
    const el = ws && ws.element;
    if (!el || !el.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = el.videoWidth;
    c.height = el.videoHeight;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(el, 0, 0);
    const s = 16;
    const d = ctx.getImageData(c.width - 3 * s, c.height - 3 * s, s, s).data;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < d.length; i += 4) { r += d[i]; g += d[i + 1]; b += d[i + 2]; }
    const n = d.length / 4;
    return {
      width: c.width, height: c.height, decoded: ws.stats.framesDecoded, element: el.tagName,
      rgb: [Math.round(r / n), Math.round(g / n), Math.round(b / n)],
      status: document.getElementById('status').textContent,
    };
  });

  test('only the web port reachable: the page falls back to the WebSocket and works', { timeout: 120000 }, async (t) => {
    assert.ok(existsSync('/usr/bin/xterm'), 'xterm installed (scripts/packages/runtime.txt)');
    const xs = await startXvfb(1920, 1080);
    xsetroot(xs.display, '#406080');
    const dir = tempDir('ds-ws-');
    const keysFile = path.join(dir, 'keys');
    // An xterm whose shell copies each typed line into keysFile (the file appears when cat runs).
    const xterm = spawn('xterm', ['-geometry', '80x24+0+0', '-e', 'sh', '-c', 'exec cat > "$0"', keysFile],
      { env: { ...process.env, DISPLAY: xs.display }, stdio: 'ignore' });
    t.after(() => xterm.kill());
    await waitFor(() => existsSync(keysFile), 10000, 'the xterm running cat');
    const ds = await startDeskstream(xs.display, { SELKIES_ENABLE_RESIZE: 'true' });
    onlyWebPort(ds.port);
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
    const consoleLines = [];
    page.on('console', (m) => { consoleLines.push(`${Date.now() % 100000} ${m.type()}: ${m.text()}`); });
    try {
      await fallBackAndWork(t, page, xs, ds, keysFile);
    } catch (e) {
      // What both ends said, to tell a client race from a server one.
      console.log(logTail(ds.entry));
      console.log(`page console (tail):\n${consoleLines.slice(-60).join('\n')}`);
      throw e;
    }
  });

  async function fallBackAndWork(t, page, xs, ds, keysFile) {
    const started = Date.now();
    await page.goto(ds.url);

    // Falls back by itself and decodes frames.
    await waitFor(async () => (await canvasInfo(page))?.decoded > 0, 30000, 'frames decoded over the WebSocket');
    const fellBackMs = Date.now() - started;
    const transport = await page.evaluate(() => window.deskstream.state.transport);
    assert.equal(transport, 'WebSocket');
    console.log(`fell back and decoded the first frame ${fellBackMs} ms after loading the page`);

    // Resize: the X screen and the decoded frames follow the page's size.
    await waitFor(() => screenSize(xs.display) === '1024x640', 15000, 'X screen 1024x640');
    await waitFor(async () => {
      const c = await canvasInfo(page);
      return c && c.width === 1024 && c.height === 640;
    }, 15000, 'decoded frames 1024x640');

    // A resize while on the WebSocket (the first one above happened at the WebRTC HELLO).
    await page.setViewportSize({ width: 900, height: 560 });
    await waitFor(() => screenSize(xs.display) === '900x560', 15000, 'X screen 900x560');
    await waitFor(async () => {
      const c = await canvasInfo(page);
      return c && c.width === 900 && c.height === 560;
    }, 15000, 'decoded frames 900x560');

    // The desktop colour (the root window, away from the logger window).
    xsetroot(xs.display, '#c03030');
    let seen = null;
    const colour = await waitFor(async () => {
      const c = await canvasInfo(page);
      seen = c;
      return c && near(c.rgb, [0xc0, 0x30, 0x30]) ? c : false;
    }, 10000, 'the new root colour decoded on the canvas').catch((e) => {
      throw new Error(`${e.message}; canvas: ${JSON.stringify(seen)}`);
    });
    assert.match(colour.status, /WebSocket/, 'the status line names the transport');
    assert.match(colour.status, /^live/, 'the status line says live');

    // Typing: the pointer moves over the xterm (no window manager: the keyboard follows the
    // pointer) and a click, then the text arrives through XTest; Enter hands the line to cat.
    await waitFor(() => page.evaluate(() => window.deskstream.input()?.attached === true), 5000, 'input attached');
    await page.mouse.click(200, 150);
    const sentence = 'Hello, WebSocket! (1+1=2)';
    for (const ch of sentence) await page.keyboard.press(ch === ' ' ? 'Space' : ch);
    await page.keyboard.press('Enter');
    await waitFor(() => readFileSync(keysFile, 'utf8') === `${sentence}\n`, 5000,
      `typed text in the xterm (got ${JSON.stringify(readFileSync(keysFile, 'utf8'))})`);

    // The server skipped nothing it should not have and the client acknowledged as it went.
    const stats = await page.evaluate(() => window.deskstream.ws.stats);
    console.log(`over the WebSocket, shown in a ${colour.element}: ${JSON.stringify(stats)}`);
    assert.equal(stats.decodeErrors, 0);
    // Chromium: the worker writes the decoded frames to the <video>'s track itself, so the page's
    // main thread is not on their way to the screen.
    if (colour.element === 'VIDEO') {
      assert.ok(stats.framesByWorker > 0 && stats.framesByWorker === stats.framesDecoded,
        `frames written by the worker: ${stats.framesByWorker} of ${stats.framesDecoded}`);
    }
    // Audio (Opus silence here: no PulseAudio) arrives and decodes with WebCodecs.
    assert.ok(stats.audioPackets > 50, `audio packets over the WebSocket: ${stats.audioPackets}`);
    assert.ok(stats.audioDecoded > 50, `audio packets decoded: ${stats.audioDecoded}`);
    assert.ok(ds.entry.log.includes('streaming over the WebSocket'), 'the server logged the transport');
  }

  test('UDP allowed: the same page stays on WebRTC', { timeout: 60000 }, async (t) => {
    execFileSync('iptables', ['-F', 'INPUT']);
    const xs = await startXvfb(1280, 720);
    xsetroot(xs.display, '#406080');
    const ds = await startDeskstream(xs.display);
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(ds.url);
    await waitFor(() => page.evaluate(() => window.deskstream.state.phase === 'live'), 15000, 'live');
    await sleep(6000);  // past the fallback time
    const s = await page.evaluate(() => ({
      transport: window.deskstream.state.transport, ws: !!window.deskstream.ws,
      status: document.getElementById('status').textContent,
    }));
    assert.equal(s.ws, false, 'no WebSocket transport');
    assert.equal(s.transport, 'WebRTC direct');
    assert.match(s.status, /WebRTC direct/);
    assert.ok(!ds.entry.log.includes('streaming over the WebSocket'));
  });

  test('roles and auth on the media socket: no token no socket, a viewer\'s input is dropped', { timeout: 90000 }, async (t) => {
    execFileSync('iptables', ['-F', 'INPUT']);
    const dir = tempDir('ds-ws-jwt-');
    const key = path.join(dir, 'signing.pem');
    const pub = path.join(dir, 'signing.pub');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
    const mint = (role, sub) => execFileSync(deskstreamBin, ['token', '--key', key, '--sub', sub, '--session', 's-1',
      '--role', role, '--ttl', '300', '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();
    const xs = await startXvfb(800, 600);
    xsetroot(xs.display, '#406080');
    const ds = await startDeskstream(xs.display, {
      DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub, DESKSTREAM_JWT_ISSUER: 'https://portal.test',
      DESKSTREAM_JWT_AUDIENCE: 'deskstream', DESKSTREAM_JWT_SESSION: 's-1', DESKSTREAM_JWT_LEEWAY: '0',
    });
    // No credentials: the upgrade is refused before any WebSocket exists (the signalling route).
    const status = await new Promise((resolve, reject) => {
      const req = http.get({
        host: '127.0.0.1', port: ds.port, path: '/webrtc/signalling/',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (r) => { r.resume(); resolve(r.statusCode); });
      req.on('upgrade', () => resolve(101));
      req.on('error', reject);
    });
    assert.equal(status, 401, 'unauthenticated media socket refused');

    const browser = await launchBrowser();
    t.after(() => browser.close());
    const pointer = () => {
      const m = /x:(\d+) y:(\d+)/.exec(x(xs.display, 'xdotool', ['getmouselocation']));
      return [Number(m[1]), Number(m[2])];
    };
    const open = async (role, sub) => {
      const ctx = await browser.newContext({ viewport: { width: 800, height: 600 } });
      // The ?token= ticket redirect drops the query: the setting forces the transport.
      await ctx.addInitScript(() => localStorage.setItem('deskstream.transport', 'websocket'));
      const page = await ctx.newPage();
      await page.goto(`${ds.url}?token=${mint(role, sub)}`);
      await waitFor(() => page.evaluate(() => window.deskstream.ws?.stats.framesDecoded > 0), 20000, `${role} frames over the WebSocket`);
      await waitFor(() => page.evaluate(() => window.deskstream.ws?.channel?.readyState === 'open'), 10000, `${role} channel open`);
      return page;
    };
    const viewer = await open('view', 'bob');
    await viewer.evaluate(() => window.deskstream.ws.channel.send('m,123,77,0,0'));
    await sleep(1000);
    assert.notDeepEqual(pointer(), [123, 77], 'viewer input is dropped');
    const controller = await open('control', 'alice');
    await controller.evaluate(() => window.deskstream.ws.channel.send('m,321,123,0,0'));
    await waitFor(() => { const p = pointer(); return p[0] === 321 && p[1] === 123; }, 3000, 'controller input lands');
  });
}

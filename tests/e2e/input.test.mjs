// Input end to end: the page drives a real X display through the `input` data channel.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, repoRoot, tempDir,
} from './lib/harness.mjs';

after(stopAll);

const keyLogger = process.env.DS_KEY_LOGGER || path.join(repoRoot, 'build/tests/unit/input/input_key_logger');
const x = (display, cmd, args) => execFileSync(cmd, args, { env: { ...process.env, DISPLAY: display } }).toString();

function pointer(display) {
  const out = x(display, 'xdotool', ['getmouselocation']);
  const m = /x:(\d+) y:(\d+)/.exec(out);
  return [Number(m[1]), Number(m[2])];
}

function screenSize(display) {
  return /dimensions:\s+(\d+x\d+)/.exec(x(display, 'xdpyinfo', []))[1];
}

test('keyboard, mouse, resize, clipboard and cursor through the browser', async (t) => {
  assert.ok(existsSync(keyLogger), `key logger test client built at ${keyLogger}`);
  // Xvfb can shrink but not grow beyond its start size: start large, let the page resize it.
  const xs = await startXvfb(1920, 1080);
  xsetroot(xs.display, '#406080');
  const dir = tempDir('ds-input-');
  const keysFile = path.join(dir, 'keys');
  const buttonsFile = path.join(dir, 'buttons');
  const logger = spawn(keyLogger, [keysFile, buttonsFile, 'cursor'], { env: { ...process.env, DISPLAY: xs.display } });
  t.after(() => logger.kill());
  await waitFor(() => existsSync(keysFile + '.ready'), 10000, 'key logger window');

  const ds = await startDeskstream(xs.display, { SELKIES_ENABLE_RESIZE: 'true' });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1024, height: 640 } });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1);

  // Resize: the X screen and the decoded video become the browser's size.
  await waitFor(() => screenSize(xs.display) === '1024x640', 10000, 'X screen 1024x640');
  await waitFor(async () => {
    const s = await page.evaluate(() => [document.getElementById('stream').videoWidth, document.getElementById('stream').videoHeight]);
    return s[0] === 1024 && s[1] === 640;
  }, 10000, 'decoded video 1024x640');
  const channelReady = () => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open');
  await waitFor(channelReady, 10000, 'input channel open');

  // Mouse: 1:1 pixels, so page (200, 150) is remote (200, 150); the click lands in the logger window.
  await page.mouse.move(200, 150);
  await waitFor(() => { const p = pointer(xs.display); return p[0] === 200 && p[1] === 150; }, 3000, 'X pointer at 200,150');
  await page.mouse.click(200, 150);
  await waitFor(() => existsSync(buttonsFile) && readFileSync(buttonsFile, 'utf8').includes('B1'), 3000, 'button 1 press in the X client');

  // Cursor: the logger window has its own cursor; the page shows it as a CSS cursor.
  await waitFor(async () => (await page.evaluate(() => getComputedStyle(document.getElementById('stream')).cursor)).includes('url('), 5000, 'CSS cursor from the remote cursor image');

  // Typing, including shifted symbols and non-ASCII characters.
  const sentence = 'Hello, World! (3+4=7) "ok" é ß';
  // Non-US characters arrive as a French/German keyboard sends them: a keydown whose `key` is the
  // character (Playwright has no such key on its US layout, so dispatch it through CDP).
  const cdp = await page.context().newCDPSession(page);
  const layoutKeys = { 'é': 'Digit2', 'ß': 'Minus' };
  for (const ch of sentence) {
    if (layoutKeys[ch]) {
      for (const type of ['keyDown', 'keyUp']) {
        await cdp.send('Input.dispatchKeyEvent', { type, key: ch, code: layoutKeys[ch], text: type === 'keyDown' ? ch : undefined });
      }
    } else {
      await page.keyboard.press(ch === ' ' ? 'Space' : ch);
    }
  }
  await waitFor(() => existsSync(keysFile) && readFileSync(keysFile, 'utf8') === sentence, 5000, `typed text (got ${existsSync(keysFile) ? JSON.stringify(readFileSync(keysFile, 'utf8')) : 'nothing'})`);

  // Clipboard, browser -> X: the client's clipboard message; read back with xclip.
  const text = ('Grüße aus dem Browser — ünïcödé ✓ ' + 'x'.repeat(40) + '\n').repeat(60);  // ~5.5 KB
  await page.evaluate((t) => {
    const bytes = new TextEncoder().encode(t);
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    window.deskstream.video.channel.send('cw,' + btoa(bin));
  }, text);
  await waitFor(() => x(xs.display, 'xclip', ['-o', '-selection', 'clipboard']) === text, 5000, 'X clipboard = browser text');

  // Clipboard, X -> browser.
  await page.evaluate(() => {
    window.__clips = [];
    window.deskstream.video.channel.addEventListener('message', (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'clipboard') {
        const bin = atob(m.data.content);
        window.__clips.push(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
      }
    });
  });
  const fromX = ('Vom X-Server: 日本語 ' + 'y'.repeat(50) + '\n').repeat(80);  // ~6 KB
  const xclip = spawn('xclip', ['-i', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: xs.display } });
  xclip.stdin.end(fromX);
  await waitFor(async () => (await page.evaluate(() => window.__clips)).includes(fromX), 5000, 'page received the X clipboard');

  // A key held when the browser goes away is released on the X side.
  await page.keyboard.down('Shift');
  await waitFor(() => /key\[50\]=down/.test(x(xs.display, 'xinput', ['query-state', 'Virtual core XTEST keyboard'])), 3000, 'Shift down on X');
  await page.close();
  await waitFor(() => !/key\[50\]=down/.test(x(xs.display, 'xinput', ['query-state', 'Virtual core XTEST keyboard'])), 5000, 'Shift released after disconnect');
});

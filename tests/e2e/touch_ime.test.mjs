// IME composition and touch gestures reach a real X client (the key logger window,
// which logs the text it receives and every ButtonPress).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, repoRoot, tempDir,
} from './lib/harness.mjs';

after(stopAll);

const keyLogger = process.env.DS_KEY_LOGGER || path.join(repoRoot, 'build/tests/unit/input/input_key_logger');
const read = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

// Xvfb and the page have the same size and resizing is off: page pixels are desktop pixels.
async function setup(t, contextOptions) {
  assert.ok(existsSync(keyLogger), `key logger test client built at ${keyLogger}`);
  const xs = await startXvfb(1024, 640);
  xsetroot(xs.display, '#406080');
  const dir = tempDir('ds-touch-');
  const keys = path.join(dir, 'keys');
  const buttons = path.join(dir, 'buttons');
  const logger = spawn(keyLogger, [keys, buttons], { env: { ...process.env, DISPLAY: xs.display } });
  t.after(() => logger.kill());
  await waitFor(() => existsSync(keys + '.ready'), 10000, 'key logger window');
  const ds = await startDeskstream(xs.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 }, ...contextOptions });
  const page = await context.newPage();
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel open');
  const cdp = await context.newCDPSession(page);
  return { xs, page, cdp, keys, buttons };
}

test('IME composition, dead keys and emoji arrive as the composed text, once', async (t) => {
  const { page, cdp, keys, buttons } = await setup(t, {});
  // A mouse click on the desktop (inside the logger window) gives the keyboard to the text sink.
  await page.mouse.click(200, 150);
  await waitFor(() => read(buttons).includes('B1'), 5000, 'the click in the X client');
  await waitFor(() => page.evaluate(() => document.activeElement?.id === 'text_sink'), 3000, 'text sink focused');

  // A Japanese IME: keys go to the IME (key "Process"), the composition is updated, then committed.
  for (const [i, text] of ['n', 'に', 'にほ', 'にほんご', '日本語'].entries()) {
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Process', code: `Key${'NIHOG'[i]}`, windowsVirtualKeyCode: 229 });
    await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Process', code: `Key${'NIHOG'[i]}`, windowsVirtualKeyCode: 229 });
  }
  await cdp.send('Input.insertText', { text: '日本語' });
  await waitFor(() => read(keys) === '日本語', 5000, `composed text (got ${JSON.stringify(read(keys))})`);

  // A dead key composed by the system (´ then e), and an emoji from a picker (text, no key).
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Dead', code: 'Equal', windowsVirtualKeyCode: 229 });
  await cdp.send('Input.imeSetComposition', { text: '´', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Dead', code: 'Equal' });
  await cdp.send('Input.insertText', { text: 'é' });
  await cdp.send('Input.insertText', { text: '😀' });
  // Ordinary keys still go through keydown, and are not typed a second time by the sink.
  await page.keyboard.type('ok');
  const expected = '日本語é😀ok';
  await waitFor(() => read(keys) === expected, 5000, `all text (got ${JSON.stringify(read(keys))})`);
  await sleep(500);
  assert.equal(read(keys), expected, 'nothing typed twice');
  assert.equal(await page.evaluate(() => document.getElementById('text_sink').value), '', 'sink emptied');
});

test('touch: tap clicks, long press right-clicks, two-finger drag scrolls, pinch zooms the view', async (t) => {
  const { page, cdp, buttons } = await setup(t, { hasTouch: true, isMobile: false });
  const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', {
    type, touchPoints: points.map(([x, y], id) => ({ x, y, id })),
  });
  const buttonLog = () => read(buttons).trim().split('\n').filter(Boolean);

  // The on-screen keyboard button shows on a touch device and focuses the text sink.
  assert.equal(await page.isVisible('#keyboard'), true, 'keyboard button visible with touch');
  await page.tap('#keyboard');
  await waitFor(() => page.evaluate(() => document.activeElement?.id === 'text_sink'), 3000, 'keyboard button focuses the sink');
  await page.tap('#keyboard');
  await waitFor(() => page.evaluate(() => document.activeElement?.id !== 'text_sink'), 3000, 'second tap hides it');

  await page.touchscreen.tap(200, 150);
  await waitFor(() => buttonLog().length === 1, 5000, `one press after a tap (got ${buttonLog()})`);
  assert.deepEqual(buttonLog(), ['B1'], 'tap = left click');

  await touch('touchStart', [[220, 160]]);
  await sleep(1000);
  await touch('touchEnd', []);
  await waitFor(() => buttonLog().length === 2, 5000, `press after a long press (got ${buttonLog()})`);
  assert.equal(buttonLog()[1], 'B3', 'long press = right click');

  // Two fingers move up together: the content scrolls down (wheel down, X button 5).
  await touch('touchStart', [[200, 300], [280, 300]]);
  for (let dy = 10; dy <= 120; dy += 10) await touch('touchMove', [[200, 300 - dy], [280, 300 - dy]]);
  await touch('touchEnd', []);
  await waitFor(() => buttonLog().slice(2).length >= 3, 5000, `wheel presses (got ${buttonLog()})`);
  const up = buttonLog().slice(2);
  assert.ok(up.every((b) => b === 'B5'), `fingers up = wheel down only (got ${up})`);
  await touch('touchStart', [[200, 100], [280, 100]]);
  for (let dy = 10; dy <= 120; dy += 10) await touch('touchMove', [[200, 100 + dy], [280, 100 + dy]]);
  await touch('touchEnd', []);
  await waitFor(() => buttonLog().some((b) => b === 'B4'), 5000, `wheel up (got ${buttonLog()})`);
  assert.ok(!buttonLog().slice(2 + up.length).some((b) => b !== 'B4'), 'fingers down = wheel up only');

  // Pinch out around (300, 200): the view zooms (a transform of the video), the desktop does not.
  const before = buttonLog().length;
  await touch('touchStart', [[280, 200], [320, 200]]);
  for (let d = 30; d <= 150; d += 20) await touch('touchMove', [[300 - d, 200], [300 + d, 200]]);
  await touch('touchEnd', []);
  const view = await page.evaluate(() => window.deskstream.touch.view);
  assert.ok(view.scale > 2.5, `zoomed in (scale ${view.scale})`);
  const rect = await page.evaluate(() => document.getElementById('stream').getBoundingClientRect().toJSON());
  assert.ok(rect.width > 1024 * 2.5, `video box scaled (width ${rect.width})`);
  assert.equal(buttonLog().length, before, 'a pinch sends no clicks');
  // A tap on the zoomed view clicks the desktop point under the finger.
  await page.touchscreen.tap(300, 200);
  await waitFor(() => buttonLog().length === before + 1, 5000, 'a tap on the zoomed view');
  const expected = [Math.floor((300 - view.x) / view.scale), Math.floor((200 - view.y) / view.scale)];
  const sent = await page.evaluate(() => window.deskstream.input().position);
  assert.deepEqual(sent, expected, 'the zoomed tap maps to the desktop point under the finger');
});

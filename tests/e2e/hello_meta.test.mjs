// HELLO's meta {res, scale} end to end, sent as gst-web sends it (lib/gstweb_client.mjs, with the
// browser's devicePixelRatio as the scale): with resize on, the X screen takes the browser's size
// and Xft.dpi becomes int(96 × scale), as for the `s` message; with resize off, neither changes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startXvfb, startDeskstream, launchBrowser, waitFor, stopAll, sleep, tempDir } from './lib/harness.mjs';
import { pulseDir } from './lib/pulse.mjs';
import { installGstWebClient } from './lib/gstweb_client.mjs';

after(stopAll);

const xrun = (display, cmd, args) => execFileSync(cmd, args, { env: { ...process.env, DISPLAY: display } }).toString();
const resources = (display) => { try { return xrun(display, 'xprop', ['-root', 'RESOURCE_MANAGER']); } catch { return ''; } };
const screen = (display) => /dimensions:\s+(\d+x\d+)/.exec(xrun(display, 'xdpyinfo', []))[1];

function blankWebRoot() {
  const dir = tempDir('ds-e2e-hello-root-');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><body></body></html>\n');
  return dir;
}

async function connectWithScale(ds, scale, size) {
  const browser = await launchBrowser();
  const ctx = await browser.newContext({ deviceScaleFactor: scale, viewport: { width: 800, height: 600 } });
  const page = await ctx.newPage();
  await page.goto(ds.url);
  assert.equal(await page.evaluate(() => window.devicePixelRatio), scale);
  await installGstWebClient(page, size);
  await waitFor(() => page.evaluate(() => window.__gst.video === 'connected'), 20000, 'video peer connected');
  return browser;
}

test('HELLO scale becomes Xft.dpi with resize on, like the s message; nothing with resize off', async (t) => {
  const x = await startXvfb(1920, 1080);
  const env = { SELKIES_WEB_ROOT: blankWebRoot(), PULSE_SERVER: pulseDir().server };
  const ds = await startDeskstream(x.display, { ...env, SELKIES_ENABLE_RESIZE: 'true' });
  let browser = await connectWithScale(ds, 1.5, { width: 1024, height: 600 });
  t.after(() => browser.close());
  assert.equal(screen(x.display), '1024x600');
  await waitFor(() => /Xft\.dpi:\\t144/.test(resources(x.display)), 3000, 'Xft.dpi 144 (96 × 1.5)');
  await browser.close();

  // Resize off: the same HELLO changes neither the screen nor the DPI.
  ds.proc.kill('SIGTERM');
  await new Promise((r) => ds.proc.once('exit', r));
  const off = await startDeskstream(x.display, { ...env, SELKIES_ENABLE_RESIZE: 'false' });
  browser = await connectWithScale(off, 2, { width: 800, height: 600 });
  await sleep(500);
  assert.equal(screen(x.display), '1024x600');
  assert.match(resources(x.display), /Xft\.dpi:\\t144/);
  assert.doesNotMatch(resources(x.display), /Xft\.dpi:\\t192/);
});

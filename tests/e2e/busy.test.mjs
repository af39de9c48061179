// One controlling connection per user (peer id 1 is exclusive, as on Selkies): a second tab of the
// same user is refused with "ERROR peer '1' busy". The page says so in plain words, keeps retrying,
// and takes over once the first tab has closed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvfb, xsetroot, startDeskstream, launchBrowser, waitFor, waitFramesDecoded, stopAll } from './lib/harness.mjs';
import { BUSY_TEXT } from '../../web/src/stream.js';

after(stopAll);

const statusText = (page) => page.evaluate(() => document.getElementById('status').textContent);

test('a second tab of the same user says the desktop is open elsewhere, then takes over', async (t) => {
  const x = await startXvfb(1280, 720);
  xsetroot(x.display, '#205080');
  const ds = await startDeskstream(x.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  // Two contexts, one user: without authentication every page is the same (anonymous) user.
  const first = await (await browser.newContext()).newPage();
  await first.goto(`${ds.url}?transport=webrtc`);
  await waitFramesDecoded(first, 1, 20000);

  const second = await (await browser.newContext()).newPage();
  await second.goto(`${ds.url}?transport=webrtc`);
  await waitFor(async () => (await statusText(second)).includes(BUSY_TEXT), 15000, 'the busy message');
  assert.ok(!(await statusText(second)).includes('signalling closed'));
  // Still retrying: once the first tab is gone, the second one gets the desktop.
  await first.close();
  await waitFramesDecoded(second, 1, 20000);
  await waitFor(async () => !(await statusText(second)).includes(BUSY_TEXT), 5000, 'the busy message to go');
});

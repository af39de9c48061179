// Roles hold over time. A controlling Chromium peer is demoted by `AUTH` with a
// desktop:view token: from the reply on, its keyboard and mouse no longer reach X (checked with
// the key logger window and the X pointer). A control token cannot promote it back. A ?token=
// ticket, once exchanged for the cookie, is refused as Bearer, as WebSocket subprotocol and in
// AUTH. Loopback only; every process is the test's own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, waitFor, stopAll, sleep,
  repoRoot,
} from '../e2e/lib/harness.mjs';
import { jwtSetup } from './lib/jwt.mjs';

after(stopAll);

const keyLogger = process.env.DS_KEY_LOGGER || path.join(repoRoot, 'build/tests/unit/input/input_key_logger');
const jwt = jwtSetup({ session: 's-roles' });
const dir = jwt.dir;
const jwtEnv = { ...jwt.env, DESKSTREAM_JWT_LEEWAY: '0' };
const mint = ({ role = 'control', ttl = 300, sub = 'alice' } = {}) => jwt.mint({ sub, role, ttl });

const pointer = (display) => {
  const m = /x:(\d+) y:(\d+)/.exec(execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display } }).toString());
  return [Number(m[1]), Number(m[2])];
};

test('AUTH with a view token demotes a live controller; exchanged tickets work nowhere else', async (t) => {
  assert.ok(existsSync(keyLogger), `key logger built at ${keyLogger}`);
  const x = await startXvfb(800, 600);
  xsetroot(x.display, '#305070');
  const keysFile = path.join(dir, 'keys');
  const buttonsFile = path.join(dir, 'buttons');
  const logger = spawn(keyLogger, [keysFile, buttonsFile], { env: { ...process.env, DISPLAY: x.display } });
  t.after(() => logger.kill());
  await waitFor(() => existsSync(keysFile + '.ready'), 10000, 'key logger window');
  const typed = () => (existsSync(keysFile) ? readFileSync(keysFile, 'utf8') : '');
  const clicks = () => (existsSync(buttonsFile) ? readFileSync(buttonsFile, 'utf8').split('\n').filter(Boolean).length : 0);

  const ds = await startDeskstream(x.display, jwtEnv);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  await page.goto(ds.url + '?token=' + mint({ ttl: 300 }));
  await waitFramesDecoded(page, 1);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel');
  const send = (text) => page.evaluate((m) => window.deskstream.video.channel.send(m), text);
  const auth = async (token) => {
    const before = await page.evaluate(() => window.deskstream.video.lastAuth || '');
    await page.evaluate((tk) => { window.deskstream.video.lastAuth = ''; window.deskstream.video.sig.sendText('AUTH ' + tk); }, token);
    const started = Date.now();
    const reply = await waitFor(async () => page.evaluate(() => window.deskstream.video.lastAuth || ''), 5000, `AUTH reply (before: ${before})`);
    return { reply, ms: Date.now() - started };
  };

  // Control works: raw data-channel input and the page's own keyboard and mouse.
  await send('m,150,120,0,0');
  await waitFor(() => { const p = pointer(x.display); return p[0] === 150 && p[1] === 120; }, 3000, 'controller pointer');
  await send('kd,97');
  await send('ku,97');
  await page.mouse.click(200, 150);
  await page.keyboard.press('b');
  await waitFor(() => typed() === 'ab', 5000, `controller keys (got ${JSON.stringify(typed())})`);
  await waitFor(() => clicks() >= 1, 3000, 'controller click');
  const clicksBefore = clicks();

  // Demotion: AUTH with a view token for the same user answers role view ...
  const demote = await auth(mint({ role: 'view', ttl: 600 }));
  assert.match(demote.reply, /^AUTH_OK \{"expires_at":\d+,"role":"view"\}$/);
  console.log(`demotion: AUTH_OK role view ${demote.ms} ms after the AUTH was sent`);
  // ... and from then on nothing of this peer reaches X: keys, clicks, moves, held buttons.
  await send('kd,99');
  await send('ku,99');
  await page.keyboard.press('d');
  await page.mouse.click(300, 250);
  await send('m,400,300,1,0');
  await send('m,410,310,0,0');
  await sleep(1500);
  assert.equal(typed(), 'ab', 'no key from the demoted peer reaches X');
  assert.equal(clicks(), clicksBefore, 'no click from the demoted peer reaches X');
  const p = pointer(x.display);
  assert.ok(!(p[0] === 410 && p[1] === 310) && !(p[0] === 300 && p[1] === 250), `pointer not moved by the demoted peer (at ${p})`);
  assert.match(ds.entry.log, /demoted to view by a token refresh/);
  // It still watches.
  assert.ok(await expectLive(page, x.display) > 0, 'the demoted peer still receives the stream');

  // A control token does not promote the live connection back.
  const promote = await auth(mint({ role: 'control', ttl: 900 }));
  assert.match(promote.reply, /"role":"view"/);
  await send('kd,101');
  await send('ku,101');
  await sleep(800);
  assert.equal(typed(), 'ab', 'still no keys after a control token on the live connection');

  // The demoted peer gave the control slot back: a new controller joins while it keeps watching.
  const next = await (await browser.newContext({ viewport: { width: 800, height: 600 } })).newPage();
  await next.goto(ds.url + '?token=' + mint({ sub: 'bob' }));
  await waitFramesDecoded(next, 1);
  await waitFor(() => next.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'new controller channel');
  await next.evaluate(() => { window.deskstream.video.channel.send('kd,122'); window.deskstream.video.channel.send('ku,122'); });
  await waitFor(() => typed() === 'abz', 5000, `new controller's key (got ${JSON.stringify(typed())})`);
  assert.ok(await expectLive(page, x.display) > 0, 'the demoted peer still watches next to the new controller');
  console.log('after the demotion a new controller joined and typed; the demoted peer kept streaming');

  // A ticket, once exchanged for the cookie, is refused on every other way in.
  const ticket = mint({ role: 'control', ttl: 1200 });
  const exchanged = await fetch(ds.url + '?token=' + ticket, { redirect: 'manual' });
  assert.equal(exchanged.status, 303);
  const bearer = await fetch(ds.url + 'turn', { headers: { Authorization: 'Bearer ' + ticket } });
  assert.equal(bearer.status, 401);
  assert.match(await bearer.text(), /already exchanged/);
  const upgrade = (headers) => new Promise((resolve, reject) => {
    const req = http.get(ds.url + 'webrtc/signalling/', { headers: { Connection: 'Upgrade', Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });
    req.on('response', (res) => { resolve(res.statusCode); res.resume(); });
    req.on('upgrade', (res, socket) => { resolve(res.statusCode); socket.destroy(); });
    req.on('error', reject);
  });
  assert.equal(await upgrade({ 'Sec-WebSocket-Protocol': 'desk.v1, base64url.bearer.' + ticket }), 401);
  assert.equal(await upgrade({ 'Sec-WebSocket-Protocol': 'desk.v1, base64url.bearer.' + mint() }), 101, 'a fresh token still works');
  const reuse = await auth(ticket);
  assert.match(reuse.reply, /^AUTH_ERROR jwt jti: /);
  assert.equal((await fetch(ds.url + '?token=' + ticket, { redirect: 'manual' })).status, 401, 'and not a second time as a ticket');
  console.log('exchanged ticket refused as: Bearer 401, subprotocol 401, AUTH ' + reuse.reply.split(':')[0] + ', ticket 401');
});

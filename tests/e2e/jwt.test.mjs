// JWT access end to end: a platform hands the browser a JWT; deskstream admits it per its claims.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, waitFor, stopAll, sleep, deskstreamBin, tempDir,
} from './lib/harness.mjs';

after(stopAll);

const dir = tempDir('ds-jwt-');
const key = path.join(dir, 'signing.pem');
const pub = path.join(dir, 'signing.pub');
execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
const otherKey = path.join(dir, 'other.pem');
execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', otherKey]);

const jwtEnv = {
  DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub,
  DESKSTREAM_JWT_ISSUER: 'https://portal.test',
  DESKSTREAM_JWT_AUDIENCE: 'deskstream',
  DESKSTREAM_JWT_SESSION: 's-123',
  DESKSTREAM_JWT_LEEWAY: '0',
  SELKIES_TURN_HOST: 'turn.example.test',
  SELKIES_TURN_SHARED_SECRET: 'turn-secret',
};

function mint({ role = 'control', session = 's-123', ttl = 300, k = key, sub = 'alice' } = {}) {
  return execFileSync(deskstreamBin, ['token', '--key', k, '--sub', sub, '--session', session, '--role', role,
    '--ttl', String(ttl), '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();
}

const pointer = (display) => {
  const m = /x:(\d+) y:(\d+)/.exec(execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display } }).toString());
  return [Number(m[1]), Number(m[2])];
};

test('tokens admit the right people with the right role', async (t) => {
  const x = await startXvfb(800, 600);
  xsetroot(x.display, '#208040');
  const ds = await startDeskstream(x.display, jwtEnv);
  const browser = await launchBrowser();
  t.after(() => browser.close());

  // No token, a token for another session, a tampered token, a token from another key, and an
  // expired token: no page, no /turn, no stream.
  assert.equal((await fetch(ds.url)).status, 401);
  assert.equal((await fetch(ds.url + 'turn')).status, 401);
  assert.equal((await fetch(ds.url + 'health')).status, 200);
  const good = mint();
  const tampered = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
  const expired = mint({ ttl: 1 });
  await sleep(2100);
  for (const [name, bad] of [['other session', mint({ session: 's-999' })], ['tampered', tampered],
    ['other key', mint({ k: otherKey })], ['expired', expired]]) {
    const page = await browser.newPage();
    const r = await page.goto(ds.url + '?token=' + bad);
    assert.equal(r.status(), 401, name);
    assert.equal(await page.locator('#stream').count(), 0, `${name}: no client page`);
    await page.close();
  }
  const bearer = await fetch(ds.url + 'turn', { headers: { Authorization: 'Bearer ' + mint({ sub: 'carol', ttl: 120 }) } });
  assert.equal(bearer.status, 200);
  const rtc = await bearer.json();
  // Default TURN settings: the REST credential names the session and the token's subject and
  // ends with the token.
  const turnServer = rtc.iceServers.find((s) => s.username);
  assert.match(turnServer.username, /^\d+:s-123\/carol$/);
  const expiry = Number(turnServer.username.split(':')[0]);
  assert.ok(expiry <= Date.now() / 1000 + 121, `TURN credential expiry ${expiry} bounded by the token`);
  assert.ok(Number(/^(\d+)s$/.exec(rtc.lifetimeDuration)[1]) <= 120, rtc.lifetimeDuration);
  const logged = ds.entry.log;
  assert.match(logged, /jwt session:/);
  assert.match(logged, /jwt signature:/);
  assert.match(logged, /jwt exp:/);
  assert.ok(!logged.includes(good.split('.')[2]), 'tokens never appear in the log');

  // WebSocket: the token as a subprotocol is accepted (and desk.v1 selected); from a foreign
  // Origin it is refused even with a valid token.
  const upgrade = (headers) => new Promise((resolve, reject) => {
    const req = http.get(ds.url + 'webrtc/signalling/', { headers: { Connection: 'Upgrade', Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });
    req.on('response', (res) => { resolve([res.statusCode, undefined]); res.resume(); });
    req.on('upgrade', (res, socket) => { resolve([res.statusCode, res.headers['sec-websocket-protocol']]); socket.destroy(); });
    req.on('error', reject);
  });
  const protocols = 'desk.v1, base64url.bearer.' + mint();
  assert.deepEqual(await upgrade({ 'Sec-WebSocket-Protocol': protocols }), [101, 'desk.v1']);
  assert.equal((await upgrade({ 'Sec-WebSocket-Protocol': protocols, Origin: 'http://evil.example' }))[0], 403);
  assert.equal((await upgrade({}))[0], 401);

  // A controller: the ticket is exchanged for a cookie and dropped from the URL; it streams.
  const controller = await browser.newPage({ viewport: { width: 800, height: 600 } });
  await controller.goto(ds.url + '?token=' + mint({ role: 'control' }));
  assert.ok(!controller.url().includes('token='), 'token removed from the address bar');
  await waitFramesDecoded(controller, 1);
  // The same ticket cannot be used twice.
  const once = mint({ role: 'control' });
  const first = await fetch(ds.url + '?token=' + once, { redirect: 'manual' });
  assert.equal(first.status, 303);
  assert.match(first.headers.get('set-cookie'), /HttpOnly/);
  assert.match(first.headers.get('set-cookie'), /SameSite=Strict/);
  assert.equal((await fetch(ds.url + '?token=' + once, { redirect: 'manual' })).status, 401);

  // A viewer joins the same encode; its mouse does not reach X, the controller's does.
  const viewerCtx = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const viewer = await viewerCtx.newPage();
  await viewer.goto(ds.url + '?token=' + mint({ role: 'view', sub: 'bob' }));
  await waitFramesDecoded(viewer, 1);
  const open = (p) => p.evaluate(() => window.deskstream.video.channel?.readyState === 'open');
  await waitFor(() => open(viewer), 10000, 'viewer channel open');
  await waitFor(() => open(controller), 10000, 'controller channel open');
  await viewer.evaluate(() => window.deskstream.video.channel.send('m,123,77,0,0'));
  await sleep(500);
  assert.notDeepEqual(pointer(x.display), [123, 77], 'viewer input is dropped');
  await controller.evaluate(() => window.deskstream.video.channel.send('m,321,123,0,0'));
  await waitFor(() => { const p = pointer(x.display); return p[0] === 321 && p[1] === 123; }, 3000, 'controller input lands');
  assert.ok(await expectLive(controller, x.display) > 0, 'controller still streaming with a viewer attached');
  assert.equal((ds.entry.log.match(/video pipeline started/g) || []).length, 1, 'one encode serves both');
});

test('a token expiring mid-stream: refreshed when the page has a provider, disconnected otherwise', async (t) => {
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display, jwtEnv);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  // Expires in 8 s: the warning is due at once (exp - 60 s), the disconnect at exp + 30 s.
  const refreshing = await (await browser.newContext()).newPage();
  await refreshing.exposeFunction('mintFresh', () => mint({ ttl: 600 }));
  await refreshing.addInitScript(() => { window.deskstreamTokenProvider = () => window.mintFresh(); });
  await refreshing.goto(ds.url + '?token=' + mint({ ttl: 8 }));
  const plain = await (await browser.newContext()).newPage();
  await plain.goto(ds.url + '?token=' + mint({ ttl: 8, role: 'view', sub: 'bob' }));
  await waitFramesDecoded(refreshing, 1);
  await waitFramesDecoded(plain, 1);
  const lastAuth = (p) => p.evaluate(() => window.deskstream.video.lastAuth || '');
  await waitFor(async () => (await lastAuth(refreshing)).startsWith('AUTH_OK'), 10000, 'AUTH_OK after the refresh');
  await waitFor(async () => /^AUTH_EXPIRING \{"expires_at":\d+,"disconnect_at":\d+\}$/.test(await lastAuth(plain)), 5000, 'AUTH_EXPIRING on the page without a provider');
  await waitFor(async () => (await lastAuth(plain)).startsWith('AUTH_EXPIRED'), 45000, 'AUTH_EXPIRED without a refresh');
  assert.match(ds.entry.log, /token expired; disconnecting/);
  assert.ok(await expectLive(refreshing, x.display) > 0, 'the refreshed stream goes on');
});

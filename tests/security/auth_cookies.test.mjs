// Cookies and origins. The session cookie is HttpOnly, SameSite=Strict, scoped
// to the session's own path prefix and Secure whenever the browser came over HTTPS (public URL,
// or X-Forwarded-Proto from a trusted proxy only). Cookie-authenticated WebSocket upgrades need
// the session's Origin (scheme, host, port); a missing Origin is refused. The ticket redirect
// never leaves the origin. Real binary, real HTTP/WebSocket requests and Chromium, loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startXvfb, startDeskstream, launchBrowser, stopAll } from '../e2e/lib/harness.mjs';
import { jwtSetup } from './lib/jwt.mjs';

after(stopAll);

const jwt = jwtSetup({ session: 's-cookie' });
const jwtEnv = jwt.env;
const mint = () => jwt.mint({ sub: 'alice', role: 'control', ttl: 300 });

// One raw HTTP request (the path is sent as is); resolves with status and headers.
function request(port, rawPath, headers = {}, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, headers, localAddress });
    req.on('response', (res) => { resolve({ status: res.statusCode, headers: res.headers }); res.resume(); });
    req.on('upgrade', (res, socket) => { resolve({ status: res.statusCode, headers: res.headers }); socket.destroy(); });
    req.on('error', reject);
    req.end();
  });
}
const wsHeaders = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };

async function ticketCookie(port, rawPath, headers = {}, localAddress) {
  const r = await request(port, rawPath + (rawPath.includes('?') ? '&' : '?') + 'token=' + mint(), headers, localAddress);
  assert.equal(r.status, 303, `ticket on ${rawPath}`);
  const setCookie = r.headers['set-cookie'][0];
  return { setCookie, cookie: setCookie.split(';')[0], location: r.headers.location };
}

test('public URL: Secure cookie under the session prefix, only its Origin may upgrade', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, { ...jwtEnv, DESKSTREAM_PUBLIC_URL: 'https://desk.example/s/s-cookie/' });
  const { setCookie, cookie } = await ticketCookie(ds.port, '/');
  console.log('Set-Cookie (public URL https://desk.example/s/s-cookie/): ' + setCookie.replace(/=[\w-]{43}/, '=<43 chars>'));
  assert.match(setCookie, /; Secure/);
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.match(setCookie, /; Path=\/s\/s-cookie\/;/);
  const ws = (origin) => request(ds.port, '/webrtc/signalling/', { ...wsHeaders, Cookie: cookie, ...(origin ? { Origin: origin } : {}) });
  const results = {};
  for (const origin of ['https://desk.example', 'https://desk.example:443', undefined, 'http://desk.example',
    'https://desk.example:8443', 'https://evil.example', `http://127.0.0.1:${ds.port}`, 'null']) {
    results[origin ?? '(none)'] = (await ws(origin)).status;
  }
  console.log('cookie upgrades by Origin: ' + JSON.stringify(results));
  assert.equal(results['https://desk.example'], 101);
  assert.equal(results['https://desk.example:443'], 101);
  for (const [origin, status] of Object.entries(results)) {
    if (!origin.startsWith('https://desk.example') || origin.endsWith(':8443')) assert.equal(status, 403, origin);
  }
});

test('no public URL: Secure only via a trusted proxy, prefix-scoped cookie, Host origin, no open redirect', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, { ...jwtEnv, DESKSTREAM_TRUSTED_PROXIES: '127.0.0.1' });
  // Plain HTTP: not Secure (a browser would drop it), still HttpOnly and SameSite=Strict.
  let c = await ticketCookie(ds.port, '/');
  assert.doesNotMatch(c.setCookie, /Secure/);
  assert.match(c.setCookie, /; HttpOnly/);
  assert.match(c.setCookie, /; SameSite=Strict/);
  assert.match(c.setCookie, /; Path=\/;/);
  // X-Forwarded-Proto and X-Forwarded-Prefix count from the trusted proxy only (127.0.0.2 is not).
  c = await ticketCookie(ds.port, '/', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/s/s-cookie/' });
  assert.match(c.setCookie, /; Secure/);
  assert.match(c.setCookie, /; Path=\/s\/s-cookie\/;/);
  c = await ticketCookie(ds.port, '/', { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/s/s-cookie/' }, '127.0.0.2');
  assert.doesNotMatch(c.setCookie, /Secure/, 'an untrusted X-Forwarded-Proto is ignored');
  assert.match(c.setCookie, /; Path=\/;/, 'an untrusted X-Forwarded-Prefix is ignored');
  // Without a prefix header, the request's own directory scopes the cookie.
  c = await ticketCookie(ds.port, '/s/abc/');
  assert.match(c.setCookie, /; Path=\/s\/abc\/;/);

  // Cookie upgrades: the Host header's origin only; no Origin at all is refused.
  const { cookie } = await ticketCookie(ds.port, '/');
  const ws = (origin) => request(ds.port, '/webrtc/signalling/', { ...wsHeaders, Cookie: cookie, ...(origin ? { Origin: origin } : {}) });
  assert.equal((await ws(`http://127.0.0.1:${ds.port}`)).status, 101);
  assert.equal((await ws(undefined)).status, 403);
  assert.equal((await ws('http://evil.example')).status, 403);
  assert.equal((await ws(`http://127.0.0.1:${ds.port + 1}`)).status, 403);
  assert.equal((await ws(`http://localhost:${ds.port}`)).status, 403);

  // Open redirect attempts: the Location always resolves to this origin.
  const origin = `http://127.0.0.1:${ds.port}`;
  const attempts = ['//evil.example/', '//evil.example', '/\\evil.example/', '/%2F%2Fevil.example/', '/https://evil.example/',
    '/%5C%5Cevil.example', '/..//evil.example'];
  const seen = [];
  for (const p of attempts) {
    const r = await request(ds.port, p + '?token=' + mint());
    if (r.status === 303) {
      const loc = r.headers.location;
      const resolved = new URL(loc, origin + p);
      assert.equal(resolved.origin, origin, `${p} -> ${loc}`);
      assert.ok(loc.startsWith('./') && !loc.includes('\\') && !loc.includes('//'), `${p} -> ${loc}`);
      seen.push(`${p} -> 303 ${loc}`);
    } else {
      assert.ok(r.status >= 400, `${p}: ${r.status}`);
      seen.push(`${p} -> ${r.status}`);
    }
  }
  console.log('ticket redirects: ' + seen.join('; '));

  // Chromium: the cookie of /s/a/ is not sent to /s/b/ (another tenant's prefix).
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/s/a/?token=${mint()}`);
    assert.ok(!page.url().includes('token='), `ticket dropped from the URL (${page.url()})`);
    assert.equal(new URL(page.url()).pathname, '/s/a/');
    const cookies = await page.context().cookies();
    assert.equal(cookies.length, 1);
    assert.equal(cookies[0].path, '/s/a/');
    assert.equal(cookies[0].httpOnly, true);
    assert.equal(cookies[0].sameSite, 'Strict');
    const statusOf = (p) => page.evaluate((u) => fetch(u).then((r) => r.status), p);
    assert.equal(await statusOf('/s/a/turn'), 200);
    assert.equal(await statusOf('/s/b/turn'), 401, 'another prefix does not receive the cookie');
    console.log('Chromium: cookie path /s/a/: /s/a/turn 200, /s/b/turn 401');
  } finally {
    await browser.close();
  }
});

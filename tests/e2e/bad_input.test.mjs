// Bad input from one peer gets an error to that peer only; the server and other viewers go on.
// Also: Basic auth on the page, /turn and the WebSocket, never on /health.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, stopAll, sleep,
} from './lib/harness.mjs';

after(stopAll);

const auth = 'Basic ' + Buffer.from('alice:s3cret').toString('base64');

test('basic auth protects page, /turn and signalling but not /health', async () => {
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display, {
    SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: 'alice', SELKIES_BASIC_AUTH_PASSWORD: 's3cret',
    SELKIES_TURN_HOST: 'turn.example.test', SELKIES_TURN_SHARED_SECRET: 'sekrit', SELKIES_STUN_HOST: 'stun.example.test',
  });
  let r = await fetch(ds.url + 'health');
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'OK\n');
  r = await fetch(ds.url);
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate'), /^Basic /);
  r = await fetch(ds.url, { headers: { Authorization: 'Basic ' + Buffer.from('alice:wrong').toString('base64') } });
  assert.equal(r.status, 401);
  r = await fetch(ds.url, { headers: { Authorization: auth } });
  assert.equal(r.status, 200);
  assert.match(await r.text(), /<video id="stream"/);
  r = await fetch(ds.url + 'turn');
  assert.equal(r.status, 401);
  r = await fetch(ds.url + 'turn', { headers: { Authorization: auth, 'x-auth-user': 'bob' } });
  assert.equal(r.status, 200);
  const turn = await r.json();
  assert.equal(turn.iceServers[0].urls[0], 'stun:stun.example.test:19302');
  assert.equal(turn.iceServers[1].urls[0], 'turn:turn.example.test:443?transport=udp');
  // x-auth-user from a client that is not a trusted proxy is ignored: the Basic user, under this
  // session's TURN identity.
  assert.match(turn.iceServers[1].username, /^\d+:[^:/]+\/alice$/);
  r = await fetch(ds.url + '../../etc/passwd', { headers: { Authorization: auth } });
  assert.notEqual(r.status, 200);
  // WebSocket upgrade without credentials is refused before the handshake.
  const upgradeStatus = (headers) => new Promise((resolve, reject) => {
    const req = http.get(ds.url + 'webrtc/signalling/', {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('response', (res) => { resolve(res.statusCode); res.resume(); });
    req.on('upgrade', (res, socket) => { resolve(res.statusCode); socket.destroy(); });
    req.on('error', reject);
  });
  assert.equal(await upgradeStatus({}), 401);
  assert.equal(await upgradeStatus({ Authorization: auth }), 101);

  // A browser with the credentials streams.
  const browser = await launchBrowser();
  const ctx = await browser.newContext({ httpCredentials: { username: 'alice', password: 's3cret' } });
  const page = await ctx.newPage();
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1);
  await browser.close();
});

test('malformed signalling affects only the sender', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#336699');
  const ds = await startDeskstream(x.display);
  const browser = await launchBrowser();
  t.after(() => browser.close());

  // A raw WebSocket client living in a blank page on the same origin.
  const raw = await browser.newPage();
  await raw.goto(ds.url + 'health');
  const exchange = (messages, waitMs = 700) => raw.evaluate(async ({ url, messages, waitMs }) => {
    const ws = new WebSocket(url);
    const got = [];
    let closeCode = null;
    ws.onmessage = (e) => got.push(typeof e.data === 'string' ? e.data : '<binary>');
    ws.onclose = (e) => { closeCode = e.code; };
    await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
    for (const m of messages) {
      if (m === '<offer?>') {
        const end = Date.now() + 5000;
        while (!got.some((g) => g.includes('"offer"')) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      ws.send(m === '<binary>' ? new Uint8Array([1, 2, 3]) : m);
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise((r) => setTimeout(r, waitMs));
    const state = ws.readyState;
    ws.close();
    return { got, closeCode, state };
  }, { url: ds.url.replace('http', 'ws') + 'webrtc/signalling/', messages, waitMs });

  // Garbage SDP as the answer: an error to that peer.
  let res = await exchange(['HELLO 1', '<offer?>', JSON.stringify({ sdp: { type: 'answer', sdp: 'v=0\r\nthis is not sdp\r\n' } })]);
  assert.ok(res.got.includes('HELLO'), JSON.stringify(res.got));
  assert.ok(res.got.some((g) => g.includes('"offer"')));
  assert.ok(res.got.some((g) => g.startsWith('ERROR invalid sdp')), JSON.stringify(res.got));
  assert.equal(res.closeCode, 4406, 'closed as a refused answer: our page shows it, no reconnect loop');

  // A complete answer that declines the video (what a browser without the offered codec sends) is
  // refused before webrtcbin, which aborted the whole process on this one (SIGABRT in
  // _connect_rtpfunnel).
  const fp = Array.from({ length: 32 }, () => 'AB').join(':');
  const ice = ['a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=setup:active'];
  const declining = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE application1',
    `a=fingerprint:sha-256 ${fp}`, 'm=video 0 UDP/TLS/RTP/SAVPF 0', 'c=IN IP4 0.0.0.0', ...ice, 'a=mid:video0',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', ...ice, 'a=mid:application1',
    'a=sctp-port:5000', ''].join('\r\n');
  res = await exchange(['HELLO 1', '<offer?>', JSON.stringify({ sdp: { type: 'answer', sdp: declining } })]);
  assert.ok(res.got.some((g) => g.startsWith('ERROR no common video codec: the browser cannot decode any of H264, VP8, VP9')), JSON.stringify(res.got).slice(0, 300));
  assert.equal(res.closeCode, 4406);
  await sleep(300);
  assert.equal(ds.proc.signalCode, null, 'the server is still running');

  // A real viewer connects and streams while others misbehave.
  const viewer = await browser.newPage();
  await viewer.goto(ds.url);
  await waitFramesDecoded(viewer, 1);

  res = await exchange([
    'junk', '{', '[]', JSON.stringify({ sdp: { type: 'answer', sdp: 'v=0' } }), JSON.stringify({ foo: 1 }),
    '<binary>', 'HELLO 9', 'HELLO 1',
  ]);
  const errors = res.got.filter((g) => g.startsWith('ERROR'));
  assert.ok(errors.length >= 6, JSON.stringify(res.got));
  assert.ok(errors.some((e) => e.includes('busy')), 'second HELLO 1 is refused as busy');
  assert.ok(errors.some((e) => e.includes('HELLO first')));
  assert.ok(errors.some((e) => e.includes('binary')));

  res = await exchange(['x'.repeat(100 * 1024)]);
  assert.ok(res.got.some((g) => g.includes('larger than 64 KiB')), JSON.stringify(res.got).slice(0, 300));
  res = await exchange(['x'.repeat(400 * 1024)]);
  // libsoup reassembles fragmented frames; either the size check answers or the transport
  // limit closes the socket, never a crash.
  assert.ok(res.got.some((g) => g.includes('larger than 64 KiB')) || res.state === 3, JSON.stringify(res.got).slice(0, 200));

  // Many errors close only that connection.
  res = await exchange(Array(25).fill('junk'));
  assert.notEqual(res.state, 1, 'connection closed after too many errors');

  const fresh = await expectLive(viewer, x.display);
  assert.ok(fresh > 0, `viewer still receives screen changes (${fresh} new frames)`);
  assert.equal(ds.proc.exitCode, null, 'server still running');
});

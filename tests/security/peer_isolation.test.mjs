// An error inside one viewer's branch ends that viewer only. Two real
// Chromium viewers share one encode; viewer A's peer connection is broken three ways: its page
// is closed without a goodbye, its whole browser process is SIGKILLed, and a raw client sends an
// answer webrtcbin rejects. Viewer B keeps decoding on the same RTCPeerConnection (no
// reconnect), and the server log shows no stream restart. Loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, framesDecoded, expectLive, waitFor, stopAll, sleep,
} from '../e2e/lib/harness.mjs';
import { openWebSocket } from './lib/ws.mjs';
import { jwtSetup } from './lib/jwt.mjs';

const jwt = jwtSetup();
after(stopAll);

// Our direct child processes (playwright starts each browser as one).
const children = () => execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)]).toString().trim().split(/\s+/).map(Number);

const restarts = (log) => (log.match(/restarting the stream for every viewer/g) || []).length;
const pipelines = (log) => (log.match(/video pipeline started/g) || []).length;
const branchErrors = (log) => log.match(/peer \d+: viewer stream failed: [^\n]*/g) || [];

test('a broken viewer ends alone; the other keeps its peer connection and frames', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#208040');
  const ds = await startDeskstream(x.display, jwt.env);

  // Viewer B (view only) in its own browser; it must never notice anything below.
  const browserB = await launchBrowser();
  t.after(() => browserB.close());
  const b = await browserB.newPage();
  await b.goto(ds.url + '?token=' + jwt.mint({ sub: 'bob' }));
  await waitFramesDecoded(b, 1, 30000);
  await b.evaluate(() => { window.__firstPc = window.deskstream.video.pc; });
  const samePc = () => b.evaluate(() => window.deskstream.video.pc === window.__firstPc && window.__firstPc.connectionState === 'connected');
  const check = async (what) => {
    const before = await framesDecoded(b);
    const fresh = await expectLive(b, x.display, 10000);
    if (!(await samePc())) {
      console.log(`server log, errors and restarts:\n${ds.entry.appLog.split('\n').filter((l) => /error|restart|failed/i.test(l)).join('\n')}`);
    }
    assert.ok(await samePc(), `${what}: viewer B kept its RTCPeerConnection`);
    console.log(`${what}: viewer B decoded ${fresh} new frames after a screen change (${before} before), same peer connection`);
  };

  // 1. Viewer A (controller) in another browser: its page is closed without a goodbye.
  const known = new Set(children());
  const browserA = await launchBrowser();
  t.after(() => browserA.close().catch(() => {}));
  const pidA = children().find((p) => !known.has(p));
  assert.ok(pidA, 'browser A\'s process');
  let a = await browserA.newPage();
  await a.goto(ds.url + '?token=' + jwt.mint({ sub: 'alice', role: 'control' }));
  await waitFramesDecoded(a, 1, 30000);
  // 1a. A's RTCPeerConnection is closed under the server's feet while its signalling socket
  // stays open: Chromium aborts the SCTP association (the data channel) and ends DTLS, so the
  // server's SCTP association goes into its error state (this used to restart everyone). The
  // association must be up first: frames can arrive before it is. In one CI run under ASan no
  // error came within the 3 s this used to wait; an association that was still being set up when
  // it was aborted is the likeliest reason, so the test now waits for the channel, then the error.
  await waitFor(() => a.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 20000,
    'A\'s input channel open');
  await a.evaluate(() => window.deskstream.video.pc.close());
  await waitFor(() => branchErrors(ds.entry.appLog).length >= 1, 20000,
    'the server to end A\'s peer on its aborted association ("viewer stream failed")');
  await sleep(1000);
  await check('A\'s peer connection closed under the server');
  await a.close();
  await sleep(2000);
  await check('A\'s page closed');

  a = await browserA.newPage();
  await a.goto(ds.url + '?token=' + jwt.mint({ sub: 'alice', role: 'control' }));
  await waitFramesDecoded(a, 1, 30000);
  await a.close();
  await sleep(3000);
  await check('A\'s page closed while streaming');

  // 2. A again, then its browser process is killed outright (no close of anything).
  a = await browserA.newPage();
  await a.goto(ds.url + '?token=' + jwt.mint({ sub: 'alice', role: 'control' }));
  await waitFramesDecoded(a, 1, 30000);
  process.kill(pidA, 'SIGKILL');
  await sleep(3000);
  await check('A\'s browser SIGKILLed');

  // 3. A raw client negotiates badly: an answer webrtcbin rejects.
  const ws = await openWebSocket(ds.url.replace('http', 'ws') + 'webrtc/signalling/',
    { protocols: ['desk.v1', 'base64url.bearer.' + jwt.mint({ sub: 'carol' })] });
  ws.send('HELLO 1');
  assert.ok(await ws.next((m) => m.includes('"offer"'), 15000));
  const bad = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' +
    'c=IN IP4 0.0.0.0\r\na=mid:nope\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\n';
  ws.send(JSON.stringify({ sdp: { type: 'answer', sdp: bad } }));
  const err = await ws.next((m) => m.startsWith('ERROR'), 10000);
  console.log(`bad answer: ${err}`);
  assert.match(err, /^ERROR invalid sdp/);
  ws.close();
  await sleep(1000);
  await check('a bad answer');

  // Waiting out libnice's consent/ICE timeouts for the killed browser's peer (if it reports).
  await sleep(8000);
  await check('after the timeouts');
  const log = ds.entry.appLog;
  const errors = branchErrors(log);
  console.log(`server: ${restarts(log)} stream restarts, ${pipelines(log)} pipeline start(s), ` +
    `${errors.length} viewer-branch error(s) kept to their viewer: ${JSON.stringify(errors)}`);
  assert.ok(errors.length >= 1, 'the broken peer connection did raise an error in its branch');
  assert.equal(restarts(log), 0, 'no "restarting the stream for every viewer"');
  assert.equal(pipelines(log), 1, 'one encode from start to end');
  assert.equal(ds.proc.exitCode, null);
});

// DTLS and ICE failures of one viewer. Viewer A's page corrupts the certificate
// fingerprint in the server's offer, so its DTLS handshake with the server fails (Chromium ends
// it with a fatal alert) on every attempt; viewer C's page neither sends its ICE candidates nor
// uses the server's, so its ICE never connects. Both retry as the web client does. Viewer B,
// on the same encode, keeps its peer connection and its frames throughout; no stream restart.
const badFingerprint = `(() => {
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (d && d.type === 'offer') {
      d = { type: 'offer', sdp: d.sdp.replace(/(a=fingerprint:sha-256 )([0-9A-F]{2})/gi, (m, p, h) => p + (h === '00' ? '01' : '00')) };
    }
    return set.call(this, d);
  };
})();`;
const noIce = `(() => {
  RTCPeerConnection.prototype.addIceCandidate = function () { return Promise.resolve(); };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.startsWith('{"ice"')) return;
    return send.call(this, data);
  };
})();`;

test('a viewer whose DTLS or ICE fails ends alone; the other keeps its peer connection', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#208040');
  const ds = await startDeskstream(x.display, jwt.env);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const b = await (await browser.newContext()).newPage();
  await b.goto(ds.url + '?token=' + jwt.mint({ sub: 'bob' }));
  await waitFramesDecoded(b, 1, 30000);
  await b.evaluate(() => { window.__firstPc = window.deskstream.video.pc; });
  const samePc = () => b.evaluate(() => window.deskstream.video.pc === window.__firstPc && window.__firstPc.connectionState === 'connected');

  const broken = async (script, sub) => {
    const ctx = await browser.newContext();
    await ctx.addInitScript(script);
    // WebRTC only: the web client would otherwise fall back to the WebSocket transport.
    await ctx.addInitScript(() => { try { localStorage.setItem('deskstream.transport', 'webrtc'); } catch (e) { /* about:blank */ } });
    const page = await ctx.newPage();
    await page.goto(ds.url + '?token=' + jwt.mint({ sub }));
    return page;
  };
  const a = await broken(badFingerprint, 'alice');
  const c = await broken(noIce, 'carol');
  const end = Date.now() + 20000;
  let checks = 0;
  while (Date.now() < end) {
    await expectLive(b, x.display, 10000);
    assert.ok(await samePc(), 'viewer B kept its RTCPeerConnection');
    checks++;
    await sleep(1000);
  }
  const states = async (p) => p.evaluate(() => `${window.deskstream.video.pc?.connectionState} (${JSON.stringify(window.deskstream.state)})`);
  console.log(`after 20 s: A (bad fingerprint) ${await states(a)}, C (no ICE) ${await states(c)}; B live at ${checks} checks`);
  assert.notEqual(await states(a), 'connected', 'A cannot connect with a wrong fingerprint');
  assert.notEqual(await states(c), 'connected', 'C cannot connect without ICE candidates');
  const log = ds.entry.appLog;
  const failures = log.match(/peer \d+: [^\n]*(viewer stream failed|ICE|DTLS|dtls)[^\n]*/g) || [];
  console.log(`server: ${failures.length} peer failure line(s): ${JSON.stringify(failures.slice(0, 6))}`);
  // A's video or audio peer, whichever fails its handshake first in the window (under ASan only
  // the audio one did within 20 s): each is A's own branch.
  assert.ok(failures.some((l) => /(viewer|audio) stream failed: dtls/.test(l)), 'A\'s DTLS failure was raised in its own branch');
  // A's audio peer (its own connection, opened 2 s after a page that shows no frame) fails its
  // DTLS the same way: that connection is ended and retried, not left half-open. Under a
  // sanitizer its handshake can still be timing out when the 20 s are up: wait up to 30 s more.
  const audioFailures = () => ds.entry.appLog.match(/peer \d+: audio stream failed: [^\n]*/g) || [];
  const audioEnded = await waitFor(() => audioFailures().some((l) => /dtls/i.test(l)), 30000,
    'A\'s audio peer to fail its DTLS').then(() => true, () => false);
  console.log(`server: ${audioFailures().length} audio peer failure line(s): ${JSON.stringify(audioFailures().slice(0, 3))}`);
  assert.ok(audioEnded, 'A\'s audio DTLS failure ended its audio peer');
  assert.equal(restarts(log), 0, 'no "restarting the stream for every viewer"');
  assert.equal(pipelines(log), 1, 'one encode from start to end');
  assert.equal(ds.proc.exitCode, null);
});

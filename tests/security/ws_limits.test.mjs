// WebSocket messages are bounded after decompression and across fragments.
// permessage-deflate is not negotiated (a compressed frame is a protocol error), a message over
// the limit, whole or in fragments, closes that socket with 1009 before the server's memory grows,
// and the viewer streaming meanwhile is not disturbed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, stopAll, logsOf,
} from '../e2e/lib/harness.mjs';
import { rssMiB, rssSampler } from './lib/attack.mjs';

after(stopAll);

const user = 'alice';
const password = 's3cret';
const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const RSS_BOUND_MIB = 50;

function frame(opcode, payload, { fin = true, rsv1 = false } = {}) {
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (n < 126) head[1] = 0x80 | n;
  else if (n < 65536) { head[1] = 0x80 | 126; head.writeUInt16BE(n, 2); }
  else { head[1] = 0x80 | 127; head.writeBigUInt64BE(BigInt(n), 2); }
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

// An authenticated raw WebSocket on the signalling path. Resolves with { sock, response, closed }
// where `closed` resolves with { code, reason, ms } when the server's close frame (or the end of
// the connection) arrives.
function openSocket(port, extraHeaders = '') {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let t0 = 0;
    let closeResolve;
    const closed = new Promise((r) => { closeResolve = r; });
    sock.on('connect', () => sock.write(
      `GET /webrtc/signalling/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      `Origin: http://127.0.0.1:${port}\r\nAuthorization: ${auth}\r\n${extraHeaders}\r\n`));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const response = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        upgraded = true;
        if (!response.startsWith('HTTP/1.1 101')) return reject(new Error(response));
        resolve({ sock, response, closed, start() { t0 = performance.now(); } });
      }
      while (buf.length >= 2) {  // server frames are not masked
        const op = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 8) {
          closeResolve({ code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
            reason: payload.subarray(2).toString(), ms: Math.round(performance.now() - t0) });
        }
      }
    });
    sock.on('error', () => closeResolve({ code: 1006, reason: 'connection error', ms: Math.round(performance.now() - t0) }));
    sock.on('close', () => closeResolve({ code: 1006, reason: 'connection closed', ms: Math.round(performance.now() - t0) }));
  });
}

// Writes frames from `next()` (null: stop) until the server's close arrives or `maxBytes`.
async function pump(ws, next, maxBytes) {
  let sent = 0;
  let stop = false;
  ws.closed.then(() => { stop = true; });
  while (!stop && sent < maxBytes) {
    const f = next(sent);
    if (!f) break;
    sent += f.length;
    if (!ws.sock.write(f)) await Promise.race([new Promise((r) => ws.sock.once('drain', r)), ws.closed]);
  }
  return sent;
}

test('compression bombs and oversized messages close only their own socket', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#802040');
  const ds = await startDeskstream(x.display, {
    SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: user, SELKIES_BASIC_AUTH_PASSWORD: password,
    // Short, so that the test also shows a live browser's signalling socket outlasting it (its
    // pongs to the server's pings every second count as traffic).
    DESKSTREAM_HTTP_IDLE_TIMEOUT: '3',
  });
  const pid = ds.proc.pid;
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const ctx = await browser.newContext({ httpCredentials: { username: user, password } });
  const viewer = await ctx.newPage();
  await viewer.goto(ds.url);
  await waitFramesDecoded(viewer, 1, 30000);
  const baseline = rssMiB(pid);
  console.log(`RSS with one viewer streaming: ${baseline} MiB`);

  // 1. permessage-deflate offered, not accepted; a compressed frame anyway is a protocol error.
  const bomb = deflateRawSync(Buffer.alloc(256 * 2 ** 20));  // 256 MiB of zeros
  let ws = await openSocket(ds.port, 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n');
  assert.doesNotMatch(ws.response, /sec-websocket-extensions/i, 'deflate is not negotiated');
  let sampler = rssSampler(pid);
  ws.start();
  ws.sock.write(frame(1, bomb, { rsv1: true }));
  let closed = await ws.closed;
  let peak = sampler.stop();
  ws.sock.destroy();
  console.log(`compression bomb (${bomb.length} bytes inflating to 256 MiB, RSV1 set): closed ${closed.code} ` +
    `after ${closed.ms} ms; RSS peak ${peak} MiB`);
  assert.equal(closed.code, 1002, 'a compressed frame without the extension is a protocol error');
  assert.ok(peak < baseline + RSS_BOUND_MIB);

  // 2. One message in 64 KiB fragments, up to 64 MiB if nothing stops it.
  ws = await openSocket(ds.port);
  const piece = Buffer.alloc(64 * 1024, 'a');
  sampler = rssSampler(pid);
  ws.start();
  let sent = await pump(ws, (n) => frame(n === 0 ? 1 : 0, piece, { fin: false }), 64 * 2 ** 20);
  closed = await ws.closed;
  peak = sampler.stop();
  ws.sock.destroy();
  console.log(`fragmented message: closed ${closed.code} "${closed.reason}" after ${closed.ms} ms; ` +
    `${(sent / 2 ** 20).toFixed(1)} MiB handed to the socket; RSS peak ${peak} MiB`);
  assert.equal(closed.code, 1009);
  assert.ok(sent < 64 * 2 ** 20, 'the server stopped the message before 64 MiB');
  assert.ok(peak < baseline + RSS_BOUND_MIB);

  // 3. One frame announcing 1 MiB, over the frame limit: refused on its header. (Only the
  // header is sent: libsoup closes at once after its close frame, and unread payload would make
  // the kernel reset the connection and drop that frame before we read it.)
  ws = await openSocket(ds.port);
  sampler = rssSampler(pid);
  ws.start();
  ws.sock.write(frame(1, Buffer.alloc(2 ** 20, "b")).subarray(0, 14));
  closed = await ws.closed;
  peak = sampler.stop();
  ws.sock.destroy();
  console.log(`frame announcing 1 MiB: closed ${closed.code} after ${closed.ms} ms; RSS peak ${peak} MiB`);
  // libsoup 3.2 refuses such a frame "with prejudice": it drops the connection at once, and its
  // close frame (1009) may not be there to read.
  assert.ok([1009, 1006].includes(closed.code), `closed (${closed.code})`);
  assert.ok(peak < baseline + RSS_BOUND_MIB);

  const viewerConnections = logsOf('deskstream').split('\n').filter((l) => /\[session\] connection \d+ from/.test(l)).slice(0, 2)
    .map((l) => /connection (\d+)/.exec(l)[1]);
  await new Promise((r) => setTimeout(r, 4000));  // past the idle timeout once more
  const frames = await expectLive(viewer, x.display, 15000);
  for (const id of viewerConnections) {
    assert.ok(!logsOf('deskstream').includes(`connection ${id} closed`), `the viewer's connection ${id} is still open`);
  }
  console.log(`the viewer's signalling connections (${viewerConnections.join(', ')}) stayed open through ` +
    'DESKSTREAM_HTTP_IDLE_TIMEOUT=3 (pongs)');
  const after = rssMiB(pid);
  console.log(`the viewer decoded ${frames} new frames after a screen change; RSS after: ${after} MiB`);
  assert.ok(after < baseline + RSS_BOUND_MIB);
});

test('a silent WebSocket (no pongs, no data) is closed after the idle timeout', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, {
    SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: user, SELKIES_BASIC_AUTH_PASSWORD: password,
    DESKSTREAM_HTTP_IDLE_TIMEOUT: '3', // pings every second; a live client's pongs keep it open
  });
  const ws = await openSocket(ds.port);
  ws.start();
  const closed = await Promise.race([ws.closed, new Promise((r) => setTimeout(() => r(null), 15000))]);
  ws.sock.destroy();
  console.log(`silent WebSocket with DESKSTREAM_HTTP_IDLE_TIMEOUT=3: ${closed ? `closed (${closed.code}) after ${closed.ms} ms` : 'still open after 15 s'}`);
  assert.ok(closed, 'closed by the idle timeout');
});

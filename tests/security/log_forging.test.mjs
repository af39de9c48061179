// Logs cannot be forged. Paths, headers and user names carrying CR/LF, ANSI
// escapes, C1 controls and invalid UTF-8 reach the server's log lines (refused requests, refused
// WebSocket origins, a token's subject) only escaped: no forged line, no raw control byte.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startXvfb, startDeskstream, stopAll, logsOf, waitFor, deskstreamBin, tempDir } from '../e2e/lib/harness.mjs';

after(stopAll);

const FORGED = '12:00:00.000 INFO  [auth] FORGED';

// Sends raw bytes and resolves with the status code of the answer.
function raw(port, bytes) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = () => { sock.destroy(); resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)); };
    sock.on('connect', () => sock.write(Buffer.from(bytes, 'latin1')));
    sock.on('data', (d) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) done(); });
    sock.on('error', done);
    sock.on('close', done);
    setTimeout(done, 5000);
  });
}

function checkLog(log, expectedMarkers) {
  const lines = log.split('\n');
  const marked = lines.filter((l) => l.includes('FORGED'));
  for (const l of marked) console.log(`log line: ${l}`);
  for (const m of expectedMarkers) {
    assert.ok(marked.some((l) => l.includes(m)), `the attack "${m}" reached the log`);
  }
  for (const l of marked) {
    assert.match(l, /^\d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR) \[\w+\] /, 'a real log line');
    assert.ok(!l.startsWith('12:00:00.000'), 'no forged line');
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/;
  const bad = lines.filter((l) => control.test(l));
  assert.deepEqual(bad, [], 'no raw control characters in the log');
}

test('request data is escaped in every log line', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, {
    SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: 'alice', SELKIES_BASIC_AUTH_PASSWORD: 's3cret',
  });
  const from = logsOf('deskstream').length;
  // A path with encoded CR/LF, ESC and C1 CSI (libsoup decodes the path before we see it).
  const evilPath = '/x%0d%0a' + encodeURIComponent(FORGED + '-path') + '%1b%5b31m%c2%9b%ff';
  assert.equal(await raw(ds.port, `GET ${evilPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`), 401);
  // A WebSocket from a foreign Origin made of escapes and invalid UTF-8.
  const evilOrigin = 'http://evil\x1b[2J\x1b]0;FORGED-origin\x07\xff\xfe';
  assert.equal(await raw(ds.port, 'GET /webrtc/signalling/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
    'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
    `Origin: ${evilOrigin}\r\n\r\n`), 403);
  // A Basic user name with CR/LF (refused; the name itself is not logged today, but must never be
  // logged raw).
  const evilUser = Buffer.from(`mallory\r\n${FORGED}-user:pw`, 'latin1').toString('base64');
  assert.equal(await raw(ds.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${evilUser}\r\n\r\n`), 401);
  await waitFor(() => logsOf('deskstream').slice(from).includes('FORGED-origin'), 5000, 'the refusals in the log');
  const log = logsOf('deskstream').slice(from);
  checkLog(log, ['FORGED-path', 'FORGED-origin']);
  const pathLine = log.split('\n').find((l) => l.includes('FORGED-path'));
  // Invalid UTF-8 and the C1 CSI written out. (libsoup itself already replaces invalid UTF-8 in
  // header values with U+FFFD, which is harmless.)
  assert.ok(pathLine.includes('\\x1b[31m\\u009b\\xff'), pathLine);
});

test('a token subject with CR/LF is escaped when the ticket is logged', async () => {
  const dir = tempDir('ds-logforge-');
  const key = path.join(dir, 'signing.pem');
  const pub = path.join(dir, 'signing.pub');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, {
    DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub, DESKSTREAM_JWT_ISSUER: 'https://portal.test',
    DESKSTREAM_JWT_AUDIENCE: 'deskstream', DESKSTREAM_JWT_SESSION: 's-1',
  });
  const from = logsOf('deskstream').length;
  const sub = `bob\r\n${FORGED}-sub \x1b[1m`;
  const token = execFileSync(deskstreamBin, ['token', '--key', key, '--sub', sub, '--session', 's-1', '--role', 'view',
    '--ttl', '60', '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();
  const r = await fetch(`${ds.url}?token=${token}`, { redirect: 'manual' });
  assert.equal(r.status, 303, 'the ticket was exchanged');
  await waitFor(() => logsOf('deskstream').slice(from).includes('FORGED-sub'), 5000, 'the ticket in the log');
  checkLog(logsOf('deskstream').slice(from), ['FORGED-sub']);
  assert.ok(!logsOf('deskstream').includes(token), 'the token itself is never logged');
});

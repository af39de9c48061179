// Defaults are safe and loud. With JWT configured, Basic auth is off unless
// SELKIES_ENABLE_BASIC_AUTH=true is set explicitly. The well-known default password and "no auth
// on a non-loopback address" log a SECURITY WARNING at start-up. Failed Basic-auth attempts are
// throttled per client address (429 after DESKSTREAM_BASIC_AUTH_MAX_FAILURES), in a bounded table.
// Real binary, loopback only (the non-loopback case uses an address this machine does not have,
// so nothing is ever exposed: the warning is logged, then binding fails).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startXvfb, startDeskstream, stopAll, waitFor, freePort, deskstreamBin, repoRoot, exitWithin } from '../e2e/lib/harness.mjs';
import { jwtSetup } from './lib/jwt.mjs';

after(stopAll);

const jwtEnv = jwtSetup({ session: 's-defaults' }).env;
const basic = (user, pass) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(port, headers = {}, localAddress = '127.0.0.1', pathName = '/turn') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, headers, localAddress,
      agent: localAddress === '127.0.0.1' ? agent : undefined });
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, headers: res.headers })); });
    req.on('error', reject);
    req.end();
  });
}
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

test('JWT configured: Basic auth is off unless explicitly enabled', async () => {
  const x = await startXvfb(320, 240);
  // SELKIES_ENABLE_BASIC_AUTH unset (the harness sets it to false; undefined removes it).
  const off = await startDeskstream(x.display, { ...jwtEnv, SELKIES_ENABLE_BASIC_AUTH: undefined,
    SELKIES_BASIC_AUTH_USER: 'alice', SELKIES_BASIC_AUTH_PASSWORD: 's3cret' });
  let r = await get(off.port, { Authorization: basic('alice', 's3cret') });
  assert.equal(r.status, 401, 'the right Basic credentials do not open a JWT-protected session');
  assert.doesNotMatch(String(r.headers['www-authenticate']), /Basic/);
  assert.match(off.entry.log, /Basic auth off: JWT is configured/);
  const on = await startDeskstream(x.display, { ...jwtEnv, SELKIES_ENABLE_BASIC_AUTH: 'true',
    SELKIES_BASIC_AUTH_USER: 'alice', SELKIES_BASIC_AUTH_PASSWORD: 's3cret' });
  r = await get(on.port, { Authorization: basic('alice', 's3cret') });
  assert.equal(r.status, 200, 'explicitly enabled Basic auth works next to JWT');
  console.log('JWT + SELKIES_ENABLE_BASIC_AUTH unset: Basic 401; set to true: Basic 200');
});

test('the default password and no auth off loopback log a SECURITY WARNING', async () => {
  const x = await startXvfb(320, 240);
  const weak = await startDeskstream(x.display, { SELKIES_ENABLE_BASIC_AUTH: undefined, SELKIES_BASIC_AUTH_PASSWORD: undefined,
    SELKIES_BASIC_AUTH_USER: 'alice' });
  const warning = weak.entry.log.split('\n').find((l) => l.includes('SECURITY WARNING'));
  assert.ok(warning && warning.includes('mypasswd'), `default password warning (log: ${weak.entry.log.slice(0, 2000)})`);
  console.log('logged: ' + warning.trim());
  assert.equal((await get(weak.port, { Authorization: basic('alice', 'mypasswd') })).status, 200, 'Selkies compatibility kept');

  const strong = await startDeskstream(x.display, { SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_PASSWORD: 'a-long-secret' });
  assert.doesNotMatch(strong.entry.log, /SECURITY WARNING/);
  const open = await startDeskstream(x.display, { SELKIES_ENABLE_BASIC_AUTH: 'false' });  // 127.0.0.1: quiet
  assert.doesNotMatch(open.entry.log, /SECURITY WARNING/);

  // No auth on a non-loopback address (192.0.2.1, TEST-NET-1: not on this machine, so the bind
  // fails right after the warning and nothing is ever reachable).
  const port = await freePort();
  const proc = spawn(deskstreamBin, [], { env: { ...process.env, DISPLAY: x.display, SELKIES_ADDR: '192.0.2.1',
    SELKIES_PORT: String(port), SELKIES_ENABLE_BASIC_AUTH: 'false', SELKIES_STUN_HOST: '', SELKIES_TURN_HOST: '',
    SELKIES_WEB_ROOT: path.join(repoRoot, 'web') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const code = await exitWithin(proc, 30000).then((exited) => {
    if (exited) return proc.exitCode;
    proc.kill('SIGKILL');
    return 'killed';
  });
  const line = log.split('\n').find((l) => l.includes('SECURITY WARNING'));
  assert.ok(line && line.includes('no authentication') && line.includes('192.0.2.1'), `no-auth warning (log: ${log.slice(0, 2000)})`);
  assert.notEqual(code, 0, 'the bind on an address this machine lacks fails');
  console.log('logged: ' + line.trim() + ` (then exit ${code})`);
});

test('failed Basic-auth attempts are throttled per client address, in a bounded table', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, { SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: 'alice',
    SELKIES_BASIC_AUTH_PASSWORD: 's3cret', DESKSTREAM_TRUSTED_PROXIES: '127.0.0.3' });
  const statuses = [];
  for (let i = 0; i < 8; i++) statuses.push((await get(ds.port, { Authorization: basic('alice', 'guess' + i) })).status);
  console.log('8 wrong passwords from 127.0.0.1: ' + statuses.join(' '));
  assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  assert.deepEqual(statuses.slice(5), [429, 429, 429]);
  const locked = await get(ds.port, { Authorization: basic('alice', 's3cret') });
  assert.equal(locked.status, 429, 'even the right password is not checked while locked out');
  assert.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After says when');
  assert.equal((await get(ds.port, {}, '127.0.0.1', '/health')).status, 200, '/health is never throttled');
  assert.equal((await get(ds.port, { Authorization: basic('alice', 's3cret') }, '127.0.0.2')).status, 200, 'another address is not affected');

  // Behind a trusted proxy the forwarded client address is the key; 12,000 distinct addresses
  // (each failing once, three times the 4,096-entry table) stay in a bounded table. Baseline:
  // the same flood without credentials (nothing enters the table), so the figures separate the
  // table from what any request costs the HTTP layer. Under a sanitizer (about 10 times slower a
  // request) 6,000 addresses still overfill the table by half and take a third of the time.
  const flood = async (withCredentials) => {
    const proxyAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const n = process.env.DS_SANITIZER ? 6000 : 12000;
    const sampleEvery = n / 3;
    let refused = 0;
    const rss = [rssKb(ds.proc.pid)];
    const started = Date.now();
    for (let i = 0; i < n; i += 50) {
      const batch = [];
      for (let j = i; j < i + 50; j++) {
        const headers = { 'X-Forwarded-For': `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}` };
        if (withCredentials) headers.Authorization = basic('alice', 'x');
        batch.push(new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: ds.port, path: '/turn', localAddress: '127.0.0.3', agent: proxyAgent, headers });
          req.on('response', (res) => { if (res.statusCode === 401) refused++; res.resume(); res.on('end', resolve); });
          req.on('error', reject);
          req.end();
        }));
      }
      await Promise.all(batch);
      if ((i + 50) % sampleEvery === 0) rss.push(rssKb(ds.proc.pid));
    }
    proxyAgent.destroy();
    console.log(`${n} forwarded addresses ${withCredentials ? 'with a wrong password' : 'without credentials (baseline)'}: ` +
      `${refused} x 401 in ${Date.now() - started} ms; RSS every ${sampleEvery}: ${rss.join(' -> ')} kB`);
    assert.equal(refused, n);
  };
  await flood(false);
  await flood(true);
  // The forwarded address counts, not the proxy's: five failures of one forwarded client lock it alone.
  for (let i = 0; i < 5; i++) {
    assert.equal((await get(ds.port, { Authorization: basic('alice', 'y'), 'X-Forwarded-For': '203.0.113.9' }, '127.0.0.3')).status, 401);
  }
  assert.equal((await get(ds.port, { Authorization: basic('alice', 's3cret'), 'X-Forwarded-For': '203.0.113.9' }, '127.0.0.3')).status, 429);
  assert.equal((await get(ds.port, { Authorization: basic('alice', 's3cret'), 'X-Forwarded-For': '203.0.113.10' }, '127.0.0.3')).status, 200);
  agent.destroy();
});

// TURN credentials. In Basic-auth mode the TURN
// user comes from the x-auth-user header only when a configured trusted proxy sends it. The
// credential lifetime is a setting with a short default (1 h). Every session has its own TURN
// identity, so two sessions never share a user name (nor its coturn quota). The coturn config in
// deploy/ refuses TCP relays unless TURN_ALLOW_TCP_RELAY=true and keeps the private-range denials.
// Real binary, loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startXvfb, startDeskstream, stopAll, deskstreamBin, repoRoot, tempDir } from '../e2e/lib/harness.mjs';

after(stopAll);

const basic = 'Basic ' + Buffer.from('alice:s3cret').toString('base64');
const basicEnv = { SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: 'alice', SELKIES_BASIC_AUTH_PASSWORD: 's3cret',
  SELKIES_TURN_HOST: 'turn.example.test', SELKIES_TURN_SHARED_SECRET: 'turn-secret' };

function turnJson(port, headers, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/turn', headers, localAddress });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`/turn ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
const turnUser = (rtc) => rtc.iceServers.find((s) => s.username).username;

test('TURN user, lifetime and per-session identity', async () => {
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, { ...basicEnv, DESKSTREAM_TRUSTED_PROXIES: '127.0.0.3' });
  const identity = /TURN identity (\S+)/.exec(ds.entry.log)[1];

  // The header from an ordinary client is ignored: the TURN user is the Basic user.
  let rtc = await turnJson(ds.port, { Authorization: basic, 'x-auth-user': 'mallory' });
  const untrusted = turnUser(rtc);
  assert.match(untrusted, new RegExp(`^\\d+:${identity}/alice$`));
  // From the trusted proxy it names the user.
  rtc = await turnJson(ds.port, { Authorization: basic, 'x-auth-user': 'bob' }, '127.0.0.3');
  assert.match(turnUser(rtc), new RegExp(`^\\d+:${identity}/bob$`));
  console.log(`x-auth-user: mallory from 127.0.0.1 -> ${untrusted}; bob from trusted 127.0.0.3 -> ${turnUser(rtc)}`);

  // Default lifetime: one hour, in the JSON and in the REST user name's expiry.
  const expiry = Number(untrusted.split(':')[0]);
  const left = expiry - Date.now() / 1000;
  assert.equal(rtc.lifetimeDuration, '3600s');
  assert.ok(left > 3500 && left <= 3601, `credential valid ${left.toFixed(0)} s`);
  console.log(`default credential lifetime ${rtc.lifetimeDuration}, expiry in ${left.toFixed(0)} s`);
  const shorter = await startDeskstream(x.display, { ...basicEnv, DESKSTREAM_TURN_CREDENTIAL_LIFETIME: '600' });
  rtc = await turnJson(shorter.port, { Authorization: basic });
  assert.equal(rtc.lifetimeDuration, '600s');

  // Two sessions (default identities, same user): different user names and passwords.
  const other = /TURN identity (\S+)/.exec(shorter.entry.log)[1];
  assert.notEqual(other, identity);
  const a = (await turnJson(ds.port, { Authorization: basic })).iceServers.find((s) => s.username);
  const b = (await turnJson(shorter.port, { Authorization: basic })).iceServers.find((s) => s.username);
  assert.notEqual(a.username.split(':')[1], b.username.split(':')[1]);
  assert.notEqual(a.credential, b.credential);
  console.log(`two sessions, same Basic user: ${a.username} vs ${b.username}`);

  // JWT sessions: the session id is the identity.
  const dir = tempDir('ds-sec-turn-');
  const key = path.join(dir, 'k.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', key + '.pub']);
  const jwt = (session) => ({ DESKSTREAM_JWT_PUBLIC_KEY_FILE: key + '.pub', DESKSTREAM_JWT_ISSUER: 'https://portal.test',
    DESKSTREAM_JWT_AUDIENCE: 'deskstream', DESKSTREAM_JWT_SESSION: session, SELKIES_TURN_HOST: 'turn.example.test',
    SELKIES_TURN_SHARED_SECRET: 'turn-secret' });
  const token = (session) => execFileSync(deskstreamBin, ['token', '--key', key, '--sub', 'carol', '--session', session,
    '--role', 'view', '--ttl', '7200', '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();
  const s1 = await startDeskstream(x.display, jwt('s-one'));
  const s2 = await startDeskstream(x.display, jwt('s-two'));
  const u1 = turnUser(await turnJson(s1.port, { Authorization: 'Bearer ' + token('s-one') }));
  const u2 = turnUser(await turnJson(s2.port, { Authorization: 'Bearer ' + token('s-two') }));
  assert.match(u1, /^\d+:s-one\/carol$/);
  assert.match(u2, /^\d+:s-two\/carol$/);
  // A two-hour token still gets at most the one-hour credential.
  assert.ok(Number(u1.split(':')[0]) - Date.now() / 1000 <= 3601);
  console.log(`JWT sessions s-one and s-two, same sub: ${u1} vs ${u2}`);
});

test('coturn config in deploy/: no TCP relays unless enabled, private ranges denied', () => {
  const conf = readFileSync(path.join(repoRoot, 'deploy/kubernetes/coturn/configmap.yaml'), 'utf8');
  const lines = conf.split('\n').map((l) => l.trim());
  assert.ok(lines.includes('no-tcp-relay'), 'no-tcp-relay in turnserver.conf');
  for (const range of ['10.0.0.0-10.255.255.255', '172.16.0.0-172.31.255.255', '192.168.0.0-192.168.255.255',
    '127.0.0.0-127.255.255.255', '169.254.0.0-169.254.255.255', '100.64.0.0-100.127.255.255', '0.0.0.0-0.255.255.255',
    '::1', 'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    '::ffff:0.0.0.0-::ffff:255.255.255.255']) {
    assert.ok(lines.includes(`denied-peer-ip=${range}`), `denied-peer-ip=${range}`);
  }
  assert.ok(!lines.some((l) => l.startsWith('allowed-peer-ip')), 'no allowed-peer-ip punches a hole');
  const ds = readFileSync(path.join(repoRoot, 'deploy/kubernetes/coturn/daemonset.yaml'), 'utf8');
  assert.match(ds, /name: TURN_ALLOW_TCP_RELAY\s+value: "false"/);
  // The start script drops no-tcp-relay only for TURN_ALLOW_TCP_RELAY=true: run that line.
  const script = /^\s*(if \[ "\$\{TURN_ALLOW_TCP_RELAY.*)$/m.exec(ds)[1];
  const dir = tempDir('ds-sec-coturn-');
  const run = (value) => {
    const file = path.join(dir, `turnserver-${value}.conf`);
    execFileSync('sh', ['-c', `printf 'use-auth-secret\\nno-tcp-relay\\nfingerprint\\n' > "${file}"; ` +
      script.replaceAll('/run/coturn/turnserver.conf', file)], { env: { PATH: process.env.PATH, TURN_ALLOW_TCP_RELAY: value } });
    return readFileSync(file, 'utf8').split('\n');
  };
  assert.ok(run('false').includes('no-tcp-relay'));
  assert.ok(run('').includes('no-tcp-relay'));
  assert.ok(!run('true').includes('no-tcp-relay'));
  assert.ok(run('true').includes('fingerprint'));
  console.log('coturn: no-tcp-relay by default, removed only with TURN_ALLOW_TCP_RELAY=true; ' +
    `${lines.filter((l) => l.startsWith('denied-peer-ip=')).length} denied-peer-ip ranges`);
});

// TURN relays, against a real coturn: the turnserver.conf shipped in
// deploy/kubernetes/coturn (processed by the DaemonSet's own start-script line) refuses TCP
// relays (RFC 6062) and still grants UDP relays to the per-session REST credentials deskstream
// hands out; with TURN_ALLOW_TCP_RELAY=true the TCP relay is granted. coturn listens on
// 127.0.0.1 only (TLS listener dropped), on free ports; loopback only, bounded in time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startXvfb, startDeskstream, stopAll, freePort, sleep, waitFor, repoRoot, tempDir } from '../e2e/lib/harness.mjs';

const children = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await stopAll();
});

const secret = randomBytes(16).toString('hex');

// The shipped config, through the DaemonSet's script line, made loopback-only for the test.
function coturnConfig(dir, port, allowTcp) {
  const yaml = readFileSync(path.join(repoRoot, 'deploy/kubernetes/coturn/configmap.yaml'), 'utf8');
  const body = yaml.split('turnserver.conf: |\n')[1].split('\n').map((l) => l.replace(/^ {4}/, ''));
  const local = body.filter((l) => !/^(listening-port|tls-listening-port|cert|pkey|min-port|max-port|log-file)=/.test(l));
  local.push(`listening-port=${port}`, 'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', 'no-tls', 'min-port=50300',
    'max-port=50360', `static-auth-secret=${secret}`, `pidfile=${dir}/turn-${port}.pid`, `log-file=${dir}/turn-${port}.log`);
  const file = path.join(dir, `turnserver-${port}.conf`);
  writeFileSync(file, local.join('\n') + '\n');
  const ds = readFileSync(path.join(repoRoot, 'deploy/kubernetes/coturn/daemonset.yaml'), 'utf8');
  const line = /^\s*(if \[ "\$\{TURN_ALLOW_TCP_RELAY.*)$/m.exec(ds)[1].replaceAll('/run/coturn/turnserver.conf', file);
  execFileSync('sh', ['-c', line], { env: { PATH: process.env.PATH, TURN_ALLOW_TCP_RELAY: allowTcp ? 'true' : 'false' } });
  return file;
}

async function startCoturn(dir, allowTcp) {
  const port = await freePort();
  const conf = coturnConfig(dir, port, allowTcp);
  const proc = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
  children.push(proc);
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`turnserver exited ${proc.exitCode}: ${readFileSync(conf, 'utf8')}`);
    return new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
  }, 10000, 'turnserver listening');
  return { port, conf };
}

// --- a minimal STUN/TURN client (RFC 5389/5766/6062): Allocate over TCP with long-term auth ---
const MAGIC = 0x2112a442;
function attr(type, value) {
  const pad = (4 - (value.length % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc(pad)]);
}
function message(type, attrs, key) {
  const tid = randomBytes(12);
  let body = Buffer.concat(attrs);
  const header = (len) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(MAGIC, 4);
    tid.copy(h, 8);
    return h;
  };
  if (key) {
    const mac = createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
    body = Buffer.concat([body, attr(0x0008, mac)]);
  }
  return Buffer.concat([header(body.length), body]);
}
function parse(buf) {
  const type = buf.readUInt16BE(0);
  const len = buf.readUInt16BE(2);
  const attrs = {};
  for (let o = 20; o < 20 + len;) {
    const t = buf.readUInt16BE(o);
    const l = buf.readUInt16BE(o + 2);
    attrs[t] = buf.subarray(o + 4, o + 4 + l);
    o += 4 + l + ((4 - (l % 4)) % 4);
  }
  const err = attrs[0x0009];
  return { type, attrs, code: err ? err[2] * 100 + err[3] : 0, reason: err ? err.subarray(4).toString().replace(/\0+$/, '') : '' };
}
function exchange(socket, msg) {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 20 && got.length >= 20 + got.readUInt16BE(2)) {
        socket.off('data', onData);
        resolve(parse(got.subarray(0, 20 + got.readUInt16BE(2))));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(msg);
  });
}
// Returns the Allocate outcome: { ok, code, reason }.
async function allocate(port, username, password, protocol) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => { socket.once('connect', r); socket.once('error', j); });
  try {
    const transport = attr(0x0019, Buffer.from([protocol, 0, 0, 0]));
    const first = await exchange(socket, message(0x0003, [transport]));
    assert.equal(first.code, 401, 'the first Allocate asks for credentials');
    const realm = first.attrs[0x0014];
    const nonce = first.attrs[0x0015];
    const key = createHash('md5').update(`${username}:${realm}:${password}`).digest();
    const second = await exchange(socket, message(0x0003,
      [transport, attr(0x0006, Buffer.from(username)), attr(0x0014, realm), attr(0x0015, nonce)], key));
    return { ok: second.type === 0x0103, code: second.code, reason: second.reason };
  } finally {
    socket.destroy();
  }
}

test('shipped coturn config: TCP relays refused, UDP relays granted to deskstream credentials', async (t) => {
  if (!existsSync('/usr/bin/turnserver')) {
    t.skip('coturn (turnserver) is not installed: apt-get install coturn');
    return;
  }
  const dir = tempDir('ds-sec-coturn-');
  const strict = await startCoturn(dir, false);
  const x = await startXvfb(320, 240);
  const ds = await startDeskstream(x.display, { SELKIES_TURN_HOST: '127.0.0.1', SELKIES_TURN_PORT: String(strict.port),
    SELKIES_TURN_SHARED_SECRET: secret, DESKSTREAM_TURN_IDENTITY: 'tenant-a' });
  const rtc = await (await fetch(ds.url + 'turn')).json();
  const { username, credential } = rtc.iceServers.find((s) => s.username);
  assert.match(username, /^\d+:tenant-a\/anonymous$/);

  const udp = await allocate(strict.port, username, credential, 17);
  const tcp = await allocate(strict.port, username, credential, 6);
  const forged = await allocate(strict.port, username.replace('tenant-a', 'tenant-b'), credential, 17);
  console.log(`coturn with the shipped config: UDP relay ${udp.ok ? 'granted' : udp.code}; TCP relay ${tcp.code} ${tcp.reason}; ` +
    `another tenant's name with this password ${forged.code} ${forged.reason}`);
  assert.ok(udp.ok, `UDP allocation with deskstream's credential (${udp.code} ${udp.reason})`);
  assert.equal(tcp.ok, false, 'TCP relay refused');
  assert.equal(tcp.code, 442, `TCP relay: 442 Unsupported Transport Protocol (${tcp.reason})`);
  assert.equal(forged.ok, false, 'the password is bound to the session identity');
  assert.equal(forged.code, 401);

  const open = await startCoturn(dir, true);
  assert.ok(!readFileSync(open.conf, 'utf8').split('\n').includes('no-tcp-relay'));
  const tcpAllowed = await allocate(open.port, username, credential, 6);
  console.log(`TURN_ALLOW_TCP_RELAY=true: TCP relay ${tcpAllowed.ok ? 'granted' : tcpAllowed.code + ' ' + tcpAllowed.reason}`);
  assert.ok(tcpAllowed.ok, `TCP relay granted when enabled (${tcpAllowed.code} ${tcpAllowed.reason})`);
  await sleep(100);
});

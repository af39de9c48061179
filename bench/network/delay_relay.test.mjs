// The delay relay with real UDP sockets on loopback: packets cross both ways through it, each
// direction is delayed by at least the configured delay, jitter never reorders a flow, loss drops
// about the configured share, and the client and queue bounds hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { DelayRelay } from './delay_relay.mjs';

function echoServer() {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, r) => s.send(msg, r.port, r.address));
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function client() {
  const s = dgram.createSocket('udp4');
  const got = [];
  s.on('message', (msg) => got.push({ n: msg.readUInt32BE(0), at: performance.now() }));
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve({ s, got })));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const packet = (n) => { const b = Buffer.alloc(200); b.writeUInt32BE(n, 0); return b; };

test('round trip through the relay is delayed twice, in order, with jitter', async (t) => {
  const echo = await echoServer();
  const relay = new DelayRelay({ target: { host: '127.0.0.1', port: echo.address().port }, delayMs: 20, jitterMs: 8 });
  await relay.listen(0);
  const c = await client();
  t.after(async () => { c.s.close(); echo.close(); await relay.close(); });
  const sentAt = [];
  for (let i = 0; i < 50; i++) { sentAt.push(performance.now()); c.s.send(packet(i), relay.port, '127.0.0.1'); await sleep(2); }
  await sleep(300);
  assert.equal(c.got.length, 50, 'every packet came back');
  assert.deepEqual(c.got.map((g) => g.n), [...Array(50).keys()], 'no reordering within a flow');
  const rtts = c.got.map((g) => g.at - sentAt[g.n]);
  console.log(`rtt ms: min ${Math.min(...rtts).toFixed(1)} max ${Math.max(...rtts).toFixed(1)}`);
  assert.ok(Math.min(...rtts) >= 2 * (20 - 8) - 1, 'each direction is delayed by at least delay - jitter');
  assert.equal(relay.counters.up, 50);
  assert.equal(relay.counters.down, 50);
});

test('loss drops about the configured share, and can be changed while running', async (t) => {
  const echo = await echoServer();
  let seed = 42;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const relay = new DelayRelay({ target: { host: '127.0.0.1', port: echo.address().port }, loss: 0.2, random });
  await relay.listen(0);
  const c = await client();
  t.after(async () => { c.s.close(); echo.close(); await relay.close(); });
  for (let i = 0; i < 500; i++) { c.s.send(packet(i), relay.port, '127.0.0.1'); if (i % 50 === 0) await sleep(5); }
  await sleep(300);
  // Two chances to lose each packet (up and down): about 1 - 0.8^2 = 36 % lost.
  const lostShare = 1 - c.got.length / 500;
  console.log(`lost ${(lostShare * 100).toFixed(1)} % of round trips at 20 % per direction`);
  assert.ok(lostShare > 0.25 && lostShare < 0.47, `lost share ${lostShare}`);
  relay.set({ loss: 0 });
  const before = c.got.length;
  for (let i = 0; i < 50; i++) c.s.send(packet(i), relay.port, '127.0.0.1');
  await sleep(200);
  assert.equal(c.got.length - before, 50, 'no loss once it is set to 0');
  assert.throws(() => relay.set({ loss: 2 }), /bad impairment/);
});

test('flows and queued packets are bounded', async (t) => {
  const echo = await echoServer();
  const relay = new DelayRelay({ target: { host: '127.0.0.1', port: echo.address().port }, delayMs: 200, maxClients: 2, maxQueued: 10 });
  await relay.listen(0);
  const clients = await Promise.all([client(), client(), client()]);
  t.after(async () => { for (const c of clients) c.s.close(); echo.close(); await relay.close(); });
  for (const c of clients) c.s.send(packet(1), relay.port, '127.0.0.1');
  await sleep(50);
  assert.equal(relay.flows.size, 2, 'a third client is refused');
  for (let i = 0; i < 30; i++) clients[0].s.send(packet(i), relay.port, '127.0.0.1');
  await sleep(50);
  assert.ok(relay.queued <= 10, `queued ${relay.queued}`);
  assert.ok(relay.counters.overflow >= 1 + 20, `overflow ${relay.counters.overflow}`);
});

test('a rate cap paces packets and drops what overflows its queue', async (t) => {
  const echo = await echoServer();
  // 800 kbit/s: a 200-byte packet takes 2 ms; a 50 ms queue holds 25 of them.
  const relay = new DelayRelay({ target: { host: '127.0.0.1', port: echo.address().port }, rateKbps: 800, queueMs: 50 });
  await relay.listen(0);
  const c = await client();
  t.after(async () => { c.s.close(); echo.close(); await relay.close(); });
  const start = performance.now();
  for (let i = 0; i < 100; i++) c.s.send(packet(i), relay.port, '127.0.0.1');
  await sleep(400);
  console.log(`burst of 100: ${c.got.length} through, ${relay.counters.queueDrops} dropped by the queue`);
  assert.ok(c.got.length >= 20 && c.got.length <= 35, `about 25 fit the queue (${c.got.length})`);
  assert.equal(c.got.length + relay.counters.queueDrops, 100);
  const spread = c.got[c.got.length - 1].at - c.got[0].at;
  assert.ok(spread >= (c.got.length - 1) * 2 * 0.8, `paced at about 2 ms a packet (${spread.toFixed(1)} ms for ${c.got.length})`);
  assert.ok(c.got[0].at - start >= 2, 'the first packet is delayed by its serialisation time');
});

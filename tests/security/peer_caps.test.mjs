// Peers are capped per user and per process. An attacker holding a valid
// view-only token opens 300 signalling sockets that each say `HELLO 1`: beyond
// DESKSTREAM_MAX_PEERS_PER_USER (default 8) every one gets `ERROR too many peers ...` and a 4429
// close, and no webrtcbin is created for it (the server logs each webrtcbin it creates; the
// /metrics gauges say how many peers hold a slot). Another user still connects and streams, the
// process cap (DESKSTREAM_MAX_PEERS, default 16) holds across users, and slots come back when
// sockets close (no leak). Loopback only; every socket is closed by the test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, expectLive, waitFor, stopAll, freePort,
} from '../e2e/lib/harness.mjs';
import { openWebSocket } from './lib/ws.mjs';
import { jwtSetup, scrape, rssKiB } from './lib/jwt.mjs';

const jwt = jwtSetup();
after(stopAll);

const webrtcbins = (log) => (log.match(/webrtcbin created/g) || []).length;

// Opens `n` sockets as `token`'s user, `batch` at a time, each saying `HELLO <uid>`. Admitted
// sockets (answered HELLO) are kept open and returned; refused ones are closed by the server.
async function helloFlood(url, token, n, { uid = '1', batch = 25 } = {}) {
  const admitted = [];
  const refused = [];
  for (let done = 0; done < n; done += batch) {
    const round = await Promise.all(Array.from({ length: Math.min(batch, n - done) }, async () => {
      const ws = await openWebSocket(url, { protocols: ['desk.v1', 'base64url.bearer.' + token] });
      ws.send(`HELLO ${uid}`);
      const first = await ws.next(() => true, 15000);
      if (first === 'HELLO') return { ws, first };
      await ws.closed;
      return { ws, first, code: ws.closeCode };
    }));
    for (const r of round) (r.first === 'HELLO' ? admitted : refused).push(r);
  }
  return { admitted, refused };
}

test('hundreds of HELLO sockets get ERRORs beyond the caps, no webrtcbin, and no slot leaks', async (t) => {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#336699');
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, {
    ...jwt.env, SELKIES_ENABLE_METRICS_HTTP: 'true', SELKIES_METRICS_HTTP_PORT: String(metricsPort),
  });
  const sig = ds.url.replace('http', 'ws') + 'webrtc/signalling/';
  const rssStart = rssKiB(ds.proc.pid);

  // 300 HELLO 1 from one view-only user.
  const mallory = jwt.mint({ sub: 'mallory' });
  const t0 = Date.now();
  const flood = await helloFlood(sig, mallory, 300);
  const floodMs = Date.now() - t0;
  t.after(() => flood.admitted.forEach((a) => a.ws.close()));
  console.log(`300 HELLO 1 sockets from one user in ${floodMs} ms: ${flood.admitted.length} admitted, ` +
    `${flood.refused.length} refused; first refusal: ${flood.refused[0]?.first} (close ${flood.refused[0]?.code})`);
  assert.equal(flood.admitted.length, 8, 'DESKSTREAM_MAX_PEERS_PER_USER default');
  assert.equal(flood.refused.length, 292);
  for (const r of flood.refused) {
    assert.match(r.first, /^ERROR too many peers for this user: 8 of 8 in use \(DESKSTREAM_MAX_PEERS_PER_USER\)/);
    assert.equal(r.code, 4429);
  }
  // The admitted ones get their offer; the refused ones never got a webrtcbin.
  for (const a of flood.admitted) assert.ok(await a.ws.next((m) => m.includes('"offer"'), 15000), 'admitted peer gets an offer');
  let m = await scrape(metricsPort);
  console.log(`after the flood: deskstream_peers=${m.deskstream_peers} deskstream_video_viewers=${m.deskstream_video_viewers} ` +
    `deskstream_peers_refused_total=${m.deskstream_peers_refused_total} webrtcbins created=${webrtcbins(ds.entry.log)} ` +
    `RSS ${rssStart} -> ${rssKiB(ds.proc.pid)} KiB`);
  assert.equal(m.deskstream_peers, 8);
  assert.equal(m.deskstream_video_viewers, 8);
  assert.equal(m.deskstream_peers_refused_total, 292);
  assert.equal(webrtcbins(ds.entry.log), 8, 'one webrtcbin per admitted peer, none for the refused');

  // Another user still gets in and streams (a browser page: video and audio peers).
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const bob = await browser.newPage();
  await bob.goto(ds.url + '?token=' + jwt.mint({ sub: 'bob' }));
  await waitFramesDecoded(bob, 1, 30000);
  assert.ok(await expectLive(bob, x.display, 10000) > 0, 'bob streams while mallory holds her slots');
  m = await scrape(metricsPort);
  const bobPeers = m.deskstream_peers - 8;
  const bobWebrtcbins = webrtcbins(ds.entry.log) - 8;
  console.log(`bob's page holds ${bobPeers} peer(s) (video, and audio: its webrtcbin only when PulseAudio answers), ${bobWebrtcbins} webrtcbin(s)`);
  assert.ok(bobPeers >= 1 && bobPeers <= 2, String(bobPeers));

  // The process cap holds across users: eve fills the rest and is refused beyond 16.
  const free = 16 - m.deskstream_peers;
  const eve = await helloFlood(sig, jwt.mint({ sub: 'eve' }), 8, { batch: 8 });
  t.after(() => eve.admitted.forEach((a) => a.ws.close()));
  console.log(`eve: ${eve.admitted.length} admitted, ${eve.refused.length} refused; ${eve.refused[0]?.first}`);
  assert.equal(eve.admitted.length, free);
  assert.equal(eve.refused.length, 8 - free);
  for (const r of eve.refused) assert.match(r.first, /^ERROR too many peers on this server: 16 of 16 in use \(DESKSTREAM_MAX_PEERS\)/);
  assert.equal((await scrape(metricsPort)).deskstream_peers, 16);

  // Slots come back when sockets close: mallory closes hers and gets exactly 8 again.
  flood.admitted.forEach((a) => a.ws.close());
  await waitFor(async () => (await scrape(metricsPort)).deskstream_peers === 16 - 8, 10000, 'mallory\'s slots to come back');
  const again = await helloFlood(sig, mallory, 12, { batch: 12 });
  t.after(() => again.admitted.forEach((a) => a.ws.close()));
  console.log(`mallory after closing hers: ${again.admitted.length} admitted, ${again.refused.length} refused`);
  assert.equal(again.admitted.length, 8);
  assert.equal(again.refused.length, 4);

  // Everyone but bob leaves: only bob's peers remain, and bob never stopped.
  again.admitted.forEach((a) => a.ws.close());
  eve.admitted.forEach((a) => a.ws.close());
  await waitFor(async () => (await scrape(metricsPort)).deskstream_peers === bobPeers, 10000, 'only bob left');
  assert.ok(await expectLive(bob, x.display, 10000) > 0, 'bob still streams');
  m = await scrape(metricsPort);
  console.log(`end: deskstream_peers=${m.deskstream_peers} refused_total=${m.deskstream_peers_refused_total} ` +
    `webrtcbins created=${webrtcbins(ds.entry.log)} RSS ${rssKiB(ds.proc.pid)} KiB`);
  assert.equal(webrtcbins(ds.entry.log), 8 + bobWebrtcbins + free + 8, 'a webrtcbin for each admitted peer only');
  assert.equal((ds.entry.log.match(/video pipeline started/g) || []).length, 1, 'the encode never restarted');
  assert.equal(ds.proc.exitCode, null);
});

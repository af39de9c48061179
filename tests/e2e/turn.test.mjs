// TURN for real: Debian's coturn on loopback with use-auth-secret; the browser is forced
// to relay; the stream flows through the relay; wrong credentials get no stream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFramesDecoded, framesDecoded, waitFor, stopAll, sleep, startCoturn,
} from './lib/harness.mjs';

after(stopAll);

async function selectedCandidateTypes(page) {
  return page.evaluate(async () => {
    const stats = await window.deskstream.video.pc.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    if (!pair) return null;
    return [stats.get(pair.localCandidateId)?.candidateType, stats.get(pair.remoteCandidateId)?.candidateType];
  });
}

test('the stream flows through coturn when relay is forced; wrong credentials fail', async (t) => {
  const secret = 'turn-test-secret';
  const turn = await startCoturn(secret);
  t.after(() => turn.proc.kill());
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#aa5500');
  const env = {
    SELKIES_TURN_HOST: '127.0.0.1', SELKIES_TURN_PORT: String(turn.port), SELKIES_TURN_PROTOCOL: 'udp',
    SELKIES_TURN_SHARED_SECRET: secret, DESKSTREAM_FORCE_RELAY: 'true',
  };
  const ds = await startDeskstream(x.display, env);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(ds.url);
  const config = await page.evaluate(async () => (await fetch('turn')).json());
  assert.equal(config.iceTransportPolicy, 'relay');
  await waitFramesDecoded(page, 5, 20000);
  const types = await selectedCandidateTypes(page);
  assert.equal(types[0], 'relay', `browser side of the selected pair is a relay candidate (${types})`);
  await waitFor(async () => /WebRTC relayed/.test(await page.textContent('#status')), 5000, 'status line: WebRTC relayed');
  await page.close();

  // Wrong secret on the deskstream side: the credentials it hands out are refused by coturn.
  ds.proc.kill('SIGTERM');
  await new Promise((r) => ds.proc.once('exit', r));
  const bad = await startDeskstream(x.display, { ...env, SELKIES_TURN_SHARED_SECRET: 'wrong-secret' });
  const page2 = await browser.newPage();
  // WebRTC only: in auto mode the page would rightly fall back to the WebSocket transport.
  await page2.goto(`${bad.url}?transport=webrtc`);
  await sleep(6000);
  assert.equal(await framesDecoded(page2), 0, 'no frames without valid TURN credentials');
  assert.doesNotMatch(await page2.textContent('#status'), /^live/);
});

// Selkies 1.6.2's /turn STUN list in shared-secret and long-term modes: the STUN host (unless it
// is the TURN server), `stun:` on the TURN server, then Google's STUN unless it is the STUN host.
test('/turn lists Selkies\' STUN entries in shared-secret and long-term modes', async () => {
  const x = await startXvfb(320, 240);
  const turnJson = async (env) => {
    const ds = await startDeskstream(x.display, env);
    const r = await fetch(ds.url + 'turn');
    assert.equal(r.status, 200);
    ds.proc.kill('SIGTERM');
    await new Promise((res) => ds.proc.once('exit', res));
    return r.json();
  };
  const secret = await turnJson({
    SELKIES_TURN_HOST: 'turn.example.test', SELKIES_TURN_PORT: '3478', SELKIES_TURN_SHARED_SECRET: 'sekrit',
    SELKIES_STUN_HOST: 'stun.example.test', SELKIES_STUN_PORT: '3479',
  });
  assert.deepEqual(secret.iceServers[0], {
    urls: ['stun:stun.example.test:3479', 'stun:turn.example.test:3478', 'stun:stun.l.google.com:19302'],
  });
  assert.deepEqual(secret.iceServers[1].urls, ['turn:turn.example.test:3478?transport=udp']);
  assert.match(secret.iceServers[1].username, /^\d+:\S+$/);
  const longTerm = await turnJson({
    SELKIES_TURN_HOST: 'turn.example.test', SELKIES_TURN_PORT: '443', SELKIES_TURN_USERNAME: 'u', SELKIES_TURN_PASSWORD: 'p',
    SELKIES_TURN_TLS: 'true', SELKIES_STUN_HOST: 'stun.l.google.com', SELKIES_STUN_PORT: '19302',
  });
  assert.deepEqual(longTerm.iceServers, [
    { urls: ['stun:stun.l.google.com:19302', 'stun:turn.example.test:443'] },
    { urls: ['turns:turn.example.test:443?transport=udp'], username: 'u', credential: 'p' },
  ]);
  // The STUN host is the TURN server: listed once.
  const same = await turnJson({
    SELKIES_TURN_HOST: 'turn.example.test', SELKIES_TURN_PORT: '3478', SELKIES_TURN_SHARED_SECRET: 'sekrit',
    SELKIES_STUN_HOST: 'turn.example.test', SELKIES_STUN_PORT: '3478',
  });
  assert.deepEqual(same.iceServers[0].urls, ['stun:turn.example.test:3478', 'stun:stun.l.google.com:19302']);
});

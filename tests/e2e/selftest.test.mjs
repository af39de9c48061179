// The connection self-test. The browser parts run inside a private network namespace
// (unshare -n: only `lo`, its own iptables): with UDP dropped the self-test must say that UDP
// does not reach the server; with UDP allowed that it does, and with coturn that a relay is
// allocated with the credentials of /turn (and refused with a wrong shared secret). Outside the
// namespace: the self-test download endpoint's size bounds, budget (429) and authentication.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  startXvfb, xsetroot, startDeskstream, launchBrowser, waitFor, stopAll, startCoturn,
} from './lib/harness.mjs';

const self = fileURLToPath(import.meta.url);
const inNamespace = process.env.DS_SELFTEST_NETNS === '1';
after(stopAll);

// Opens the page, clicks the self-test button and returns the verdicts and the panel's text.
async function runSelfTest(t, env = {}) {
  const xs = await startXvfb(1280, 720);
  xsetroot(xs.display, '#406080');
  const ds = await startDeskstream(xs.display, env);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  await page.goto(ds.url);
  // The self-test module is not loaded before the click (nothing delays the first frame).
  const loaded = await page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('selftest')));
  assert.equal(loaded, false, 'selftest.js is loaded on demand only');
  await page.click('#selftest');
  const results = await waitFor(() => page.evaluate(() => window.deskstream.selftest), 40000, 'self-test results');
  const text = await page.textContent('#selftest_panel');
  console.log(text);
  return { results, text, page, ds };
}

if (!inNamespace) {
  test('self-test (inside a network namespace)', { timeout: 400000 }, (t) => {
    if (spawnSync('unshare', ['-n', 'true']).status !== 0) {
      t.skip('needs a private network namespace (unshare -n, root) to drop UDP');
      return;
    }
    const env = { ...process.env, DS_SELFTEST_NETNS: '1' };
    delete env.NODE_TEST_CONTEXT;  // else the inner runner thinks it is nested and runs nothing
    const r = spawnSync('timeout', ['--kill-after=20', '380', 'unshare', '-n', 'bash', '-c',
      'ip link set lo up && exec node --test --test-concurrency=1 --test-reporter=spec "$0"', self], {
      env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    process.stdout.write(r.stdout || '');
    process.stderr.write(r.stderr || '');
    assert.equal(r.status, 0, 'the tests inside the namespace passed (output above)');
    assert.equal(Number((/ℹ pass (\d+)/.exec(r.stdout || '') || [])[1]), 3, 'every test ran and passed inside the namespace');
  });

  test('the self-test download: bounded size, per-client budget, authentication', { timeout: 60000 }, async () => {
    const xs = await startXvfb(640, 480);
    const ds = await startDeskstream(xs.display);
    const get = (q) => fetch(`${ds.url}selftest${q}`);
    let r = await get('?bytes=1048576');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal((await r.arrayBuffer()).byteLength, 1048576);
    r = await get('');
    assert.equal((await r.arrayBuffer()).byteLength, 2 * 1048576, 'default size');
    for (const bad of ['?bytes=0', '?bytes=8388609', '?bytes=abc', '?bytes=-5']) {
      r = await get(bad);
      assert.equal(r.status, 400, bad);
      assert.match(await r.text(), /1 to 8388608/);
    }
    r = await fetch(`${ds.url}selftest?bytes=10`, { method: 'POST', body: 'x' });
    assert.notEqual(r.status, 200, 'no body accepted');
    // 3 MiB used so far; the budget is 32 MiB per client per minute: 3 more of 8 MiB pass, the 4th not.
    for (let i = 0; i < 3; i += 1) {
      r = await get('?bytes=8388608');
      assert.equal(r.status, 200, `download ${i + 1} within the budget`);
      await r.arrayBuffer();
    }
    r = await get('?bytes=8388608');
    assert.equal(r.status, 429, 'over the per-client budget');
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    r = await get('?bytes=1048576');
    assert.equal(r.status, 200, 'what is left of the budget still fits');
    await r.arrayBuffer();
    assert.match(ds.entry.log, /self-test download refused/);

    // Behind Basic auth like every other route: no credentials, no bytes.
    const locked = await startDeskstream(xs.display, { SELKIES_ENABLE_BASIC_AUTH: 'true', SELKIES_BASIC_AUTH_USER: 'u', SELKIES_BASIC_AUTH_PASSWORD: 'p' });
    r = await fetch(`${locked.url}selftest?bytes=10`);
    assert.equal(r.status, 401);
    r = await fetch(`${locked.url}selftest?bytes=10`, { headers: { Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    assert.equal(r.status, 200);
    assert.equal((await r.arrayBuffer()).byteLength, 10);
  });
} else {
  const iptables = (...args) => execFileSync('iptables', args);

  test('UDP dropped: the self-test says UDP does not reach the server, and what to do', { timeout: 120000 }, async (t) => {
    iptables('-F', 'INPUT');
    iptables('-A', 'INPUT', '-p', 'udp', '-j', 'DROP');
    const { results, text } = await runSelfTest(t);
    assert.equal(results.udp.level, 'fail');
    assert.match(results.udp.text, /UDP does not reach the server/);
    assert.match(results.udp.advice, /drops UDP/);
    assert.match(text, /UDP to the server: UDP does not reach the server/);
    assert.equal(results.turn.level, 'warn', 'no TURN configured');
    assert.match(results.turn.text, /no TURN relay is configured/);
    assert.equal(results.throughput.level, 'ok', `throughput over TCP on loopback: ${results.throughput.text}`);
    assert.match(results.throughput.text, /Mbit\/s/);
    assert.match(results.rtt.text, /ms for an HTTP request/);
  });

  test('UDP allowed: UDP reaches the server, the round trip is measured over WebRTC', { timeout: 120000 }, async (t) => {
    iptables('-F', 'INPUT');
    const { results, page } = await runSelfTest(t);
    assert.equal(results.udp.level, 'ok', results.udp.text);
    // The page's own audio peer, paused for the probe (one controller per uid), is back.
    await waitFor(() => page.evaluate(() => window.deskstream.audio.pc?.connectionState === 'connected'), 15000, 'page audio reconnected');
    assert.match(results.udp.text, /UDP reaches the server/);
    assert.match(results.rtt.text, /ms over WebRTC/);
    assert.equal(results.rtt.level, 'ok');
  });

  test('TURN: a relay is allocated with the credentials of /turn; a wrong shared secret is reported', { timeout: 150000 }, async (t) => {
    iptables('-F', 'INPUT');
    const secret = 'selftest-secret';
    const turn = await startCoturn(secret);
    const env = { SELKIES_TURN_HOST: '127.0.0.1', SELKIES_TURN_PORT: String(turn.port), SELKIES_TURN_PROTOCOL: 'udp', SELKIES_TURN_SHARED_SECRET: secret };
    const good = await runSelfTest(t, env);
    assert.equal(good.results.turn.level, 'ok', good.results.turn.text);
    assert.match(good.results.turn.text, /a relay was allocated/);
    await good.page.close();
    const bad = await runSelfTest(t, { ...env, SELKIES_TURN_SHARED_SECRET: 'wrong-secret' });
    assert.equal(bad.results.turn.level, 'fail', bad.results.turn.text);
    assert.match(bad.results.turn.text, /refused the credentials/);
  });
}

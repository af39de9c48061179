// Faults: /tmp read-only, or full. deskstream runs in a mount namespace of its own (unshare -m;
// the machine's /tmp is never touched) where /tmp is either a read-only bind of itself or a
// 64 KiB tmpfs filled to the last byte. X is reached over its abstract socket, which no mount
// hides. Startup says so in one line naming the directory, the reason and what will not work;
// the stream starts, and a setting the page changes (`vb`, written back to SELKIES_JSON_CONFIG
// under /tmp) fails to save with one more line while the same peer connection keeps streaming.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  deskstreamBin, repoRoot, freePort, startXvfb, xsetroot, launchBrowser, waitFramesDecoded, expectLive, waitFor, sleep,
  stopAll, waitListening,
} from './lib/harness.mjs';
import { stopProc } from './lib/pulse.mjs';

const own = [];
after(async () => {
  for (const p of own.splice(0)) await stopProc(p);
  await stopAll();
});

const canUnshare = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
const skip = canUnshare ? false : 'unshare -m is not permitted here (needs root or user namespaces)';

// deskstream with /tmp replaced by `mounts` (shell commands run inside the new namespace).
async function startInNamespace(display, mounts) {
  const port = await freePort();
  const script = `set -e; ${mounts}; exec "$0"`;
  const proc = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, deskstreamBin], {
    env: {
      ...process.env, DISPLAY: display, SELKIES_PORT: String(port), SELKIES_ADDR: '127.0.0.1',
      SELKIES_ENABLE_BASIC_AUTH: 'false', SELKIES_STUN_HOST: '', SELKIES_TURN_HOST: '', SELKIES_FRAMERATE: '30',
      SELKIES_WEB_ROOT: path.join(repoRoot, 'web'),
      // The Selkies defaults, under the namespace's /tmp.
      SELKIES_JSON_CONFIG: '/tmp/selkies_config.json', SELKIES_RTC_CONFIG_JSON: '/tmp/rtc.json', SELKIES_JS_SOCKET_PATH: '/tmp',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  own.push(proc);
  const ds = { proc, log: '', url: `http://127.0.0.1:${port}/` };
  proc.stdout.on('data', (d) => { ds.log += d; });
  proc.stderr.on('data', (d) => { ds.log += d; });
  await waitListening(proc, () => ds.log);
  return ds;
}

async function check(t, mounts, reason) {
  const x = await startXvfb(640, 360);
  xsetroot(x.display, '#405060');
  const ds = await startInNamespace(x.display, mounts);
  const lines = ds.log.split('\n').filter((l) => /cannot write to/.test(l));
  console.log(lines.join('\n'));
  assert.equal(lines.length, 1, 'one startup line');
  assert.match(lines[0], new RegExp(`/tmp: ${reason}: SELKIES_JSON_CONFIG \\(client settings not saved\\), SELKIES_JS_SOCKET_PATH \\(no gamepads\\); streaming is not affected`));

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await page.goto(ds.url);
  await waitFramesDecoded(page, 1, 30000);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel');
  await page.evaluate(() => { window.__pc = window.deskstream.video.pc; window.deskstream.video.channel.send('vb,3000'); });
  await waitFor(() => /client settings are not saved/.test(ds.log), 10000, 'the failed write-back reported');
  for (let i = 0; i < 3; i++) {
    assert.ok((await expectLive(page, x.display, 5000)) > 0);
    await sleep(500);
  }
  assert.ok(await page.evaluate(() => window.deskstream.video.pc === window.__pc), 'same peer connection');
  assert.equal(ds.proc.exitCode, null);
  console.log(ds.log.split('\n').filter((l) => /are not saved/.test(l)).join('\n'));
}

test('/tmp read-only: one startup line, the stream goes on', { skip }, async (t) => {
  await check(t, 'mount --bind /tmp /tmp; mount -o remount,bind,ro /tmp', 'Read-only file system');
});

test('/tmp full: one startup line, the stream goes on', { skip }, async (t) => {
  await check(t, 'mount -t tmpfs -o size=64k tmpfs /tmp; head -c 1048576 /dev/zero > /tmp/fill 2>/dev/null || true',
    'No space left on device');
});

// The container image, run as the rendered pod spec runs it (tests/image/start_pod.sh), streams
// to headless Chromium: the `cpu` overlay, and the same with SELKIES_ENCODER=nvh264enc, which
// has no NVIDIA here and must fall back to x264 and still stream. Access is by JWT, as in the
// manifests: the token is minted with the pod's throwaway signing key.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, waitFramesDecoded, freePort, deskstreamBin, stopAll } from '../e2e/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
after(stopAll);

function startPod(variant, port) {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', [path.join(here, 'start_pod.sh'), variant, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`start_pod ${variant} exited ${code}: ${out}${err}`));
      const key = /JWT signing key[^:]*: (\S+)/.exec(err)?.[1];
      const podJson = /pod spec and env: (\S+)/.exec(err)?.[1];
      resolve({ url: out.trim().split('\n').pop(), key, podJson });
    });
  });
}

const stopPod = (variant, port) => execFileSync('bash', [path.join(here, 'stop_pod.sh'), variant, String(port)], { stdio: 'ignore' });

for (const variant of ['cpu', 'cpu-nvenc']) {
  test(`pod ${variant}: the desktop streams to the browser`, async (t) => {
    const port = await freePort();
    const pod = await startPod(variant, port);
    t.after(() => stopPod(variant, port));
    assert.ok(pod.key, 'the pod test gives a signing key');
    const env = JSON.parse(readFileSync(pod.podJson, 'utf8')).env;
    const token = execFileSync(deskstreamBin, ['token', '--key', pod.key, '--sub', 'tester', '--role', 'control', '--ttl', '300',
      '--session', env.DESKSTREAM_JWT_SESSION, '--iss', env.DESKSTREAM_JWT_ISSUER.split(',')[0],
      '--aud', env.DESKSTREAM_JWT_AUDIENCE, ...(env.DESKSTREAM_JWT_TYP ? ['--typ', env.DESKSTREAM_JWT_TYP] : [])]).toString().trim();
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await browser.newPage();
    await page.goto(pod.url + '?token=' + token);
    await waitFramesDecoded(page, 10, 30000);
    const size = await page.evaluate(() => [document.getElementById('stream').videoWidth, document.getElementById('stream').videoHeight]);
    assert.ok(size[0] > 0 && size[1] > 0, `decoded ${size}`);
  });
}

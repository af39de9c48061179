// What a second codec's encode costs (docs/encoders.md): deskstream's CPU time (user+sys from
// /proc/<pid>/stat) while a moving desktop (ds_painter --motion, 1280x720, 30 fps, 4 Mbit/s)
// streams to one H.264 Chromium viewer, then with a VP8 viewer added (a second encode), then
// with that VP8 viewer gone (the encode removed), then with a VP9 viewer. Each phase: 3 s to
// settle, then CPU over `seconds`. Run from tests/e2e (its node_modules), after a build:
//   cd tests/e2e && node ../../bench/second_encode/run.mjs [seconds]
// Prints a table and writes bench/results/second-encode-<time>.json.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, framesDecoded, sleep, stopAll, repoRoot,
} from '../../tests/e2e/lib/harness.mjs';
import { viewerTokens } from '../../tests/e2e/lib/tokens.mjs';

const seconds = Number(process.argv[2] || 20);
const painter = process.env.DS_PAINTER || path.join(repoRoot, 'build/bench/ds_painter');
const ticks = 100;  // USER_HZ on Linux

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticks;  // utime, stime
}

// Before the page's scripts: answer with `mime` only.
const only = (mime) => `(() => {
  const set = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = async function (...a) {
    const r = await set.apply(this, a);
    for (const t of this.getTransceivers()) {
      if (t.receiver.track.kind !== 'video') continue;
      t.setCodecPreferences(RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === '${mime}'));
    }
    return r;
  };
})();`;

async function phase(name, pid, pages) {
  await sleep(3000);
  const f0 = await Promise.all(pages.map(framesDecoded));
  const c0 = cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wall = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - c0;
  const f1 = await Promise.all(pages.map(framesDecoded));
  const fps = f1.map((f, i) => +((f - f0[i]) / wall).toFixed(1));
  const row = { phase: name, cpu_percent: +(100 * cpu / wall).toFixed(1), viewer_fps: fps };
  console.log(`${name.padEnd(34)} deskstream CPU ${String(row.cpu_percent).padStart(6)} % of one core   viewer fps ${fps.join(', ')}`);
  return row;
}

async function main() {
  const x = await startXvfb(1280, 720);
  const paint = spawn(painter, ['--motion'], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
  const tokens = viewerTokens();  // the first viewer controls, the others view
  const ds = await startDeskstream(x.display, { SELKIES_VIDEO_BITRATE: '4000', SELKIES_FRAMERATE: '30', ...tokens.env });
  let viewers = 0;
  const browser = await launchBrowser();
  const open = async (mime) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    if (mime) await ctx.addInitScript(only(mime));
    const page = await ctx.newPage();
    await page.goto(ds.url + tokens.query(viewers++ === 0 ? 'control' : 'view'));
    await waitFramesDecoded(page, 1, 20000);
    return { ctx, page };
  };
  const rows = [];
  const h264 = await open();
  rows.push(await phase('1 viewer: H.264', ds.proc.pid, [h264.page]));
  const vp8 = await open('video/VP8');
  rows.push(await phase('2 viewers: H.264 + VP8', ds.proc.pid, [h264.page, vp8.page]));
  await vp8.ctx.close();
  rows.push(await phase('1 viewer again (VP8 encode removed)', ds.proc.pid, [h264.page]));
  const vp9 = await open('video/VP9');
  rows.push(await phase('2 viewers: H.264 + VP9', ds.proc.pid, [h264.page, vp9.page]));
  await vp9.ctx.close();
  const h264b = await open();
  rows.push(await phase('2 viewers: H.264 + H.264 (shared)', ds.proc.pid, [h264.page, h264b.page]));
  await browser.close();
  paint.kill();
  const out = {
    when: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg() },
    settings: { size: '1280x720', fps: 30, kbps: 4000, seconds, source: 'ds_painter --motion' }, rows,
  };
  const file = path.join(repoRoot, 'bench/results', `second-encode-${out.when.replace(/[:.]/g, '').slice(0, 17)}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`written: ${path.relative(repoRoot, file)}`);
}

main().finally(stopAll);

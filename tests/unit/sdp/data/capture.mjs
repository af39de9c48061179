// How the answers in this folder were captured: a real deskstream offer, answered by
// the real browsers of the test machine (Debian chromium, Debian firefox-esr without OpenH264).
// The page only makes the answer; it never sends it. Run from tests/e2e (for its node_modules):
//   cd tests/e2e && node ../unit/sdp/data/capture.mjs
// It writes <browser>_<case>.offer.sdp / .answer.sdp next to itself.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startXvfb, startDeskstream, launchBrowser, stopAll } from '../../../e2e/lib/harness.mjs';
import { launchFirefox } from '../../../e2e/lib/firefox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// In the page: HELLO, take the offer, answer it (optionally preferring `prefer` only).
async function answerIn(page, url, prefer) {
  await page.goto(url + 'health');
  return page.evaluate(async ({ prefer }) => {
    const ws = new WebSocket(location.href.replace(/^http/, 'ws').replace(/health$/, 'webrtc/signalling/'));
    const offer = await new Promise((resolve, reject) => {
      ws.onopen = () => ws.send(`HELLO 1 ${btoa(JSON.stringify({ res: '640x360', scale: 1 }))}`);
      ws.onmessage = (e) => {
        if (e.data.startsWith('{') && JSON.parse(e.data).sdp) resolve(JSON.parse(e.data).sdp);
      };
      setTimeout(() => reject(new Error('no offer')), 15000);
    });
    const pc = new RTCPeerConnection();
    await pc.setRemoteDescription(offer);
    if (prefer) {
      for (const t of pc.getTransceivers()) {
        if (t.receiver.track.kind !== 'video') continue;
        const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => c.mimeType === prefer);
        t.setCodecPreferences(codecs);
      }
    }
    const answer = await pc.createAnswer();
    ws.close();
    pc.close();
    return { offer: offer.sdp, answer: answer.sdp };
  }, { prefer });
}

async function main() {
  const x = await startXvfb(640, 360);
  const cases = [];
  const all = await startDeskstream(x.display);
  const h264only = await startDeskstream(x.display, { DESKSTREAM_EXTRA_ENCODERS: '' });
  const chromium = await launchBrowser();
  cases.push(['chromium_default', await answerIn(await chromium.newPage(), all.url)]);
  cases.push(['chromium_vp8', await answerIn(await chromium.newPage(), all.url, 'video/VP8')]);
  await chromium.close();
  const firefox = await launchFirefox();
  cases.push(['firefox_default', await answerIn(await firefox.newPage(), all.url)]);
  cases.push(['firefox_h264only', await answerIn(await firefox.newPage(), h264only.url)]);
  await firefox.close();
  for (const [name, { offer, answer }] of cases) {
    writeFileSync(path.join(here, `${name}.offer.sdp`), offer);
    writeFileSync(path.join(here, `${name}.answer.sdp`), answer);
    console.log(`${name}: ${answer.split('\n').find((l) => l.startsWith('m=video'))}`);
  }
}

main().finally(stopAll);

// Every SELKIES_ENCODER name Selkies 1.6 knows either is used (its GStreamer
// elements are installed here) or deskstream says in one startup line why it fell back and to
// what. No name falls back silently, and none falls back when everything it needs is installed.
// The elements each name needs are listed here from Selkies' pipelines (gstwebrtc_app.py), not from
// deskstream's profiles.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startXvfb, startDeskstream, waitFor, stopAll } from './lib/harness.mjs';

after(stopAll);

const installed = (e) => { try { execFileSync('gst-inspect-1.0', [e], { stdio: 'ignore' }); return true; } catch { return false; } };
const cuda = (enc) => ['cudaupload', 'cudaconvert', enc];
const va = (codec, gpu = 0) => {
  const p = gpu > 0 ? `varenderD${128 + gpu}` : 'va';
  return [`${p}postproc`, [`${p}${codec}enc`, `${p}${codec}lpenc`]];
};
// name -> [element, or [alternatives]...]; the last one is the RTP payloader.
const needs = {
  nvh264enc: [...cuda('nvcudah264enc'), 'rtph264pay'],
  nvh265enc: [...cuda('nvcudah265enc'), 'rtph265pay'],
  nvav1enc: [...cuda('nvcudaav1enc'), 'rtpav1pay'],
  vah264enc: [...va('h264'), 'rtph264pay'],
  vah265enc: [...va('h265'), 'rtph265pay'],
  vavp9enc: [...va('vp9'), 'rtpvp9pay'],
  vaav1enc: [...va('av1'), 'rtpav1pay'],
  x264enc: ['x264enc', 'rtph264pay'],
  openh264enc: ['openh264enc', 'rtph264pay'],
  x265enc: ['x265enc', 'rtph265pay'],
  vp8enc: ['vp8enc', 'rtpvp8pay'],
  vp9enc: ['vp9enc', 'rtpvp9pay'],
  svtav1enc: ['svtav1enc', 'rtpav1pay'],
  av1enc: ['av1enc', 'rtpav1pay'],
  rav1enc: ['rav1enc', 'rtpav1pay'],
};
const missing = (list) => list.filter((e) => !(Array.isArray(e) ? e.some(installed) : installed(e)));
const fallbackLines = (log) => log.split('\n').filter((l) => /SELKIES_ENCODER=.* falling back to /.test(l));

let x;
const desktop = async () => { x ??= await startXvfb(320, 240); return x; };

async function start(encoder, env = {}) {
  const { display } = await desktop();
  const ds = await startDeskstream(display, { SELKIES_ENCODER: encoder, ...env });
  const log = ds.entry.log;
  ds.proc.kill('SIGTERM');
  await waitFor(() => ds.proc.exitCode !== null || ds.proc.signalCode !== null, 5000, 'deskstream to stop');
  return log;
}

test('the list is the 15 names Selkies 1.6 knows', () => {
  assert.equal(Object.keys(needs).length, 15);
});

for (const [encoder, elements] of Object.entries(needs)) {
  test(`SELKIES_ENCODER=${encoder} is used or says why not`, async () => {
    const absent = missing(elements);
    const log = await start(encoder);
    const lines = fallbackLines(log);
    if (absent.length === 0) {
      assert.match(log, new RegExp(`video encoder: ${encoder}\\n`), `${encoder}: every element is installed, so it is used`);
      assert.deepEqual(lines, [], 'no fallback line');
      return;
    }
    console.log(`${encoder}: not installed here: ${absent.flat().join(', ')}`);
    assert.equal(lines.length, 1, `exactly one fallback line for ${encoder}:\n${log}`);
    assert.match(lines[0], new RegExp(`SELKIES_ENCODER=${encoder} is not usable here, falling back to x264enc: ${encoder}: `));
    const first = Array.isArray(absent[0]) ? absent[0][0] : absent[0];
    assert.ok(lines[0].includes(`GStreamer element ${first} is not installed`), `names what is missing: ${lines[0]}`);
    assert.match(log, /video encoder: x264enc\n/);
  });
}

test('SELKIES_GPU_ID picks the VA render node', { skip: installed('varenderD129postproc') ? 'this machine has a second VA device' : false }, async () => {
  const log = await start('vah265enc', { SELKIES_GPU_ID: '1' });
  const [line] = fallbackLines(log);
  assert.ok(line, `a fallback line:\n${log}`);
  assert.ok(line.includes('GStreamer element varenderD129postproc is not installed'), line);
  assert.ok(line.includes('/dev/dri/renderD129'), line);
});

// node --test: the pure parts of web/src/keysyms.js and web/src/input.js.
import assert from 'node:assert/strict';
import test from 'node:test';

import { keysymFromChar, keysymFromEvent } from '../../../web/src/keysyms.js';
import {
  base64ToUtf8, evenResolution, mapToRemote, utf8ToBase64, WheelSmoother,
} from '../../../web/src/input.js';

const ev = (key, extra = {}) => ({ key, location: 0, ...extra });

test('printable keys: Latin-1 code points, Unicode keysyms beyond', () => {
  assert.equal(keysymFromEvent(ev('a')), 0x61);
  assert.equal(keysymFromEvent(ev('A')), 0x41);
  assert.equal(keysymFromEvent(ev(' ')), 0x20);
  assert.equal(keysymFromEvent(ev('é')), 0xe9);  // French AZERTY: direct key
  assert.equal(keysymFromEvent(ev('ß')), 0xdf);  // German QWERTZ
  assert.equal(keysymFromEvent(ev('@')), 0x40);  // German AltGr+Q: resolved by the browser
  assert.equal(keysymFromEvent(ev('€')), 0x10020ac);
  assert.equal(keysymFromEvent(ev('日')), 0x10065e5);
  assert.equal(keysymFromEvent(ev('😀')), 0x101f600);
  assert.equal(keysymFromChar('ab'), null);
  assert.equal(keysymFromChar('\u0007'), null);
});

test('named keys, sides and keypad', () => {
  assert.equal(keysymFromEvent(ev('Enter')), 0xff0d);
  assert.equal(keysymFromEvent(ev('Enter', { location: 3 })), 0xff8d);
  assert.equal(keysymFromEvent(ev('7', { location: 3 })), 0xffb7);
  assert.equal(keysymFromEvent(ev('Shift', { location: 1 })), 0xffe1);
  assert.equal(keysymFromEvent(ev('Shift', { location: 2 })), 0xffe2);
  assert.equal(keysymFromEvent(ev('Control', { location: 2 })), 0xffe4);
  assert.equal(keysymFromEvent(ev('Meta', { location: 1 })), 0xffeb);
  assert.equal(keysymFromEvent(ev('F1')), 0xffbe);
  assert.equal(keysymFromEvent(ev('F12')), 0xffc9);
  assert.equal(keysymFromEvent(ev('ArrowLeft')), 0xff51);
  assert.equal(keysymFromEvent(ev('AudioVolumeUp')), 0x1008ff13);
});

test('dead keys and IME wait for the composed character', () => {
  assert.equal(keysymFromEvent(ev('Dead')), null);
  assert.equal(keysymFromEvent(ev('Process')), null);
  assert.equal(keysymFromEvent(ev('Unidentified')), null);
  assert.equal(keysymFromEvent(ev('a', { isComposing: true })), null);
  assert.equal(keysymFromEvent(ev('^')), 0x5e);  // dead key then space: the spacing accent
  assert.equal(keysymFromEvent(ev('ê')), 0xea);  // dead ^ then e
});

test('letterbox-aware mapping to remote pixels', () => {
  // 1000x500 element showing 1920x1080: height-limited? no, width-limited... scale = 0.4629
  const rect = { left: 10, top: 20, width: 1000, height: 1000 };
  // 1920x1080 in 1000x1000: scale 1000/1920, drawn height 562.5, top bar 218.75
  assert.deepEqual(mapToRemote(rect, 1920, 1080, 10, 20 + 218.75), [0, 0]);
  assert.deepEqual(mapToRemote(rect, 1920, 1080, 10 + 500, 20 + 500), [960, 540]);
  assert.deepEqual(mapToRemote(rect, 1920, 1080, 10 + 999.9, 20 + 999), [1919, 1079]);  // clamped
  assert.deepEqual(mapToRemote(rect, 1920, 1080, 0, 0), [0, 0]);
  assert.equal(mapToRemote(rect, 0, 0, 5, 5), null);
  // pillarbox: 800x600 remote in 1600x600 element
  assert.deepEqual(mapToRemote({ left: 0, top: 0, width: 1600, height: 600 }, 800, 600, 400, 300),
    [0, 300]);
});

test('resolution is device pixels rounded down to even', () => {
  assert.deepEqual(evenResolution(1001, 701, 1), [1000, 700]);
  assert.deepEqual(evenResolution(800, 600, 1.25), [1000, 750]);
  assert.deepEqual(evenResolution(801, 601, 1.5), [1200, 900]);
});

test('UTF-8 base64 round trip', () => {
  const text = 'héllo wörld ß € 日本 😀'.repeat(5000);
  assert.equal(base64ToUtf8(utf8ToBase64(text)), text);
  assert.equal(utf8ToBase64('é'), 'w6k=');
});

test('wheel: mouse clicks pass through, trackpad deltas are throttled and capped', () => {
  // Bit 3 (8) = wheel down, bit 4 (16) = up, as gst-web sends them.
  const w = new WheelSmoother();
  assert.deepEqual(w.steps({ deltaMode: 1, deltaX: 0, deltaY: 3 }, 0), [[8, 1]]);
  assert.deepEqual(w.steps({ deltaMode: 0, deltaX: 0, deltaY: -100 }, 0), [[16, 1]]);
  const t = new WheelSmoother();
  assert.deepEqual(t.steps({ deltaMode: 0, deltaX: 0, deltaY: 4.5 }, 1000), []);  // < 10 px
  assert.deepEqual(t.steps({ deltaMode: 0, deltaX: 0, deltaY: 30.5 }, 1010), [[8, 1]]);
  assert.deepEqual(t.steps({ deltaMode: 0, deltaX: 0, deltaY: 30.5 }, 1050), []);  // throttled
  assert.deepEqual(t.steps({ deltaMode: 0, deltaX: -20.5, deltaY: 2000.5 }, 1200),
    [[8, 10], [32, 1]]);
});

// web/src/ime.js and web/src/touch.js: the pure parts.
import { keysymsForInput, keysymsForText } from '../../../web/src/ime.js';
import { applyZoom, LONG_PRESS_MS, TouchGestures } from '../../../web/src/touch.js';

test('text sink: composed text and on-screen keyboard input → keysyms, compositions once', () => {
  assert.deepEqual(keysymsForText('日本'), [0x10065e5, 0x100672c]);
  assert.deepEqual(keysymsForText('é😀\n'), [0xe9, 0x101f600, 0xff0d]);
  assert.deepEqual(keysymsForInput('insertText', 'a', false), [0x61]);
  assert.equal(keysymsForInput('insertText', 'a', true), null);  // its compositionend types it
  assert.equal(keysymsForInput('insertCompositionText', 'に', false), null);
  assert.deepEqual(keysymsForInput('deleteContentBackward', null, false), [0xff08]);
  assert.deepEqual(keysymsForInput('insertLineBreak', null, false), [0xff0d]);
  assert.equal(keysymsForInput('formatBold', null, false), null);
});

test('touch gestures: tap, long press, drag, two-finger scroll, pinch', () => {
  const ops = (actions) => actions.map((a) => a.op + (a.button ?? '') + (a.bit ?? ''));
  let g = new TouchGestures();
  assert.deepEqual(ops(g.begin([{ x: 10, y: 10 }])), ['move', 'timer']);
  assert.deepEqual(ops(g.move([{ x: 13, y: 12 }])), []);  // within the slop
  assert.deepEqual(ops(g.end([])), ['cancelTimer', 'down1', 'up1']);
  g = new TouchGestures();
  g.begin([{ x: 10, y: 10 }]);
  assert.deepEqual(ops(g.timeout()), ['down3', 'up3']);
  assert.deepEqual(ops(g.end([])), []);
  g = new TouchGestures();
  g.begin([{ x: 10, y: 10 }]);
  assert.deepEqual(ops(g.move([{ x: 40, y: 10 }])), ['cancelTimer', 'down1', 'move']);
  assert.deepEqual(ops(g.timeout()), []);
  assert.deepEqual(ops(g.end([])), ['up1']);
  g = new TouchGestures();
  g.begin([{ x: 100, y: 300 }, { x: 160, y: 300 }]);
  g.move([{ x: 100, y: 280 }, { x: 160, y: 280 }]);  // decides: scroll
  assert.deepEqual(g.move([{ x: 100, y: 230 }, { x: 160, y: 230 }]), [{ op: 'wheel', bit: 8, steps: 2 }]);
  assert.deepEqual(g.move([{ x: 100, y: 300 }, { x: 160, y: 300 }]), [{ op: 'wheel', bit: 16, steps: 2 }]);
  g = new TouchGestures();
  g.begin([{ x: 100, y: 100 }, { x: 120, y: 100 }]);
  const [zoom] = g.move([{ x: 60, y: 100 }, { x: 160, y: 100 }]);
  assert.equal(zoom.op, 'zoom');
  assert.equal(zoom.scale, 5);
  assert.ok(LONG_PRESS_MS >= 400);
});

test('view zoom keeps the point under the fingers and the desktop covering the window', () => {
  const v = applyZoom({ scale: 1, x: 0, y: 0 }, { scale: 2, x: 100, y: 50, dx: 0, dy: 0 }, 800, 600);
  assert.deepEqual(v, { scale: 2, x: -100, y: -50 });
  assert.deepEqual(applyZoom(v, { scale: 0.1, x: 0, y: 0, dx: 0, dy: 0 }, 800, 600), { scale: 1, x: 0, y: 0 });
  assert.equal(applyZoom(v, { scale: 10, x: 0, y: 0, dx: 0, dy: 0 }, 800, 600).scale, 5);
  assert.equal(applyZoom(v, { scale: 1, x: 0, y: 0, dx: 5000, dy: 0 }, 800, 600).x, 0);
});

// web/src/selftest_verdicts.js: the self-test's plain-words verdicts.
import { judgeRtt, judgeThroughput, judgeTurn, judgeUdp } from '../../../web/src/selftest_verdicts.js';

test('self-test verdicts', () => {
  assert.equal(judgeUdp({ connected: true, succeeded: [{ protocol: 'udp', localType: 'host', remoteType: 'host', rttMs: 1 }] }).level, 'ok');
  const relayed = judgeUdp({ connected: true, succeeded: [{ protocol: 'udp', localType: 'relay', remoteType: 'host' }] });
  assert.equal(relayed.level, 'fail');
  const blocked = judgeUdp({ connected: false, timedOut: true, succeeded: [] });
  assert.equal(blocked.level, 'fail');
  assert.match(blocked.text, /UDP does not reach the server/);
  assert.match(judgeUdp({ connected: true, succeeded: [{ protocol: 'tcp', localType: 'host', remoteType: 'host' }] }).text, /only use TCP/);
  assert.equal(judgeTurn({ configured: false }).level, 'warn');
  assert.equal(judgeTurn({ configured: true, relay: { protocol: 'udp' }, urls: ['turn:x:3478'] }).level, 'ok');
  assert.match(judgeTurn({ configured: true, relay: null, errors: [{ code: 401, text: 'Unauthorized' }] }).advice, /secret/);
  assert.match(judgeTurn({ configured: true, relay: null, errors: [], urls: ['turn:x:3478'] }).text, /turn:x:3478/);
  assert.equal(judgeRtt({ udp: { selected: { rttMs: 12 } }, stream: null, httpMs: 3 }).level, 'ok');
  assert.equal(judgeRtt({ udp: null, stream: { rttMs: 150 }, httpMs: 3 }).level, 'warn');
  assert.equal(judgeRtt({ udp: null, stream: null, httpMs: 400 }).level, 'fail');
  assert.equal(judgeThroughput({ mbps: 50, bytes: 8388608, ms: 1300 }).level, 'ok');
  assert.equal(judgeThroughput({ mbps: 3, bytes: 1048576, ms: 2800 }).level, 'fail');
  assert.match(judgeThroughput({ status: 429, retryAfter: 42 }).advice, /42 s/);
});

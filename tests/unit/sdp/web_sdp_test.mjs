// node --test: web/src/sdp.js, the answer munging of the web client, on Chromium's real answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { dtlsPassive, mungeAnswer } from '../../../web/src/sdp.js';

const chromium = readFileSync(new URL('./data/chromium_default.answer.sdp', import.meta.url), 'utf8');

test('the browser answers passive, so the server says the DTLS hello', () => {
  assert.match(chromium, /^a=setup:active\r?$/m);
  const out = mungeAnswer(chromium);
  assert.doesNotMatch(out, /^a=setup:active/m);
  assert.equal(out.match(/^a=setup:passive/gm).length, chromium.match(/^a=setup:active/gm).length);
});

test('only an active role is changed', () => {
  assert.equal(dtlsPassive('a=setup:actpass\r\na=setup:passive\r\n'), 'a=setup:actpass\r\na=setup:passive\r\n');
  assert.equal(dtlsPassive('a=setup:active\r\n'), 'a=setup:passive\r\n');
  assert.equal(dtlsPassive('a=x-setup:active\r\n'), 'a=x-setup:active\r\n');
});

test('the Selkies munging is kept', () => {
  const out = mungeAnswer(chromium);
  if (chromium.includes('packetization-mode=')) assert.match(out, /packetization-mode=\d+;sps-pps-idr-in-keyframe=1/);
  if (chromium.includes('useinbandfec=1')) assert.match(out, /useinbandfec=1;stereo=1;minptime=10/);
});

// node --test: the pure parts of web/src/ws_transport.js and web/src/transport.js.
import assert from 'node:assert/strict';
import test from 'node:test';

import { avcCodecString, parseFrame } from '../../../web/src/ws_transport.js';
import { transportMode } from '../../../web/src/transport.js';

test('parses the header framing.cpp writes (the bytes of framing_test.cpp)', () => {
  const header = [0x01, 0x01, 0x01, 0x14, 0x01, 0x02, 0x03, 0x04,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x42, 0x40, 0x07, 0x80, 0x04, 0x38];
  const bytes = Uint8Array.from([...header, 0x61, 0x62, 0x63]);
  const f = parseFrame(bytes.buffer);
  assert.equal(f.kind, 1);
  assert.equal(f.keyframe, true);
  assert.equal(f.codec, 'h264');
  assert.equal(f.seq, 0x01020304);
  assert.equal(f.timestampUs, 1000000);
  assert.equal(f.width, 1920);
  assert.equal(f.height, 1080);
  assert.deepEqual([...f.payload], [0x61, 0x62, 0x63]);
});

test('refuses a short message or a foreign header length', () => {
  assert.equal(parseFrame(new Uint8Array(19).buffer), null);
  const bad = new Uint8Array(20);
  bad[3] = 24;
  assert.equal(parseFrame(bad.buffer), null);
});

test('the avc1 codec string comes from the SPS', () => {
  // AUD, then SPS (profile 0x64 High, constraints 0x00, level 0x28 = 4.0), then an IDR slice.
  const au = Uint8Array.from([0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 0x64, 0x00, 0x28, 0xac,
    0, 0, 1, 0x65, 0x88]);
  assert.equal(avcCodecString(au), 'avc1.640028');
  assert.equal(avcCodecString(Uint8Array.from([0, 0, 1, 0x41, 0x9a])), null);  // no SPS
});

test('transport mode: URL parameter, then the stored setting, else auto', () => {
  const storage = (v) => ({ getItem: () => v });
  assert.equal(transportMode('', null), 'auto');
  assert.equal(transportMode('?transport=websocket', null), 'websocket');
  assert.equal(transportMode('?transport=webrtc', storage('websocket')), 'webrtc');
  assert.equal(transportMode('', storage('websocket')), 'websocket');
  assert.equal(transportMode('?transport=bogus', storage('nonsense')), 'auto');
  assert.equal(transportMode('', { getItem: () => { throw new Error('blocked'); } }), 'auto');
});

// node --test: the pure parts of the WebSocket transport (web/src/ws_frames.js) and web/src/transport.js.
import assert from 'node:assert/strict';
import test from 'node:test';

import { avcCodecString, parseFrame, videoConfig } from '../../../web/src/ws_frames.js';
import { transportMode, watchIce } from '../../../web/src/transport.js';

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

test('decoder configuration per codec; none for codecs the page cannot decode', () => {
  const idr = Uint8Array.from([0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1f, 0, 0, 1, 0x65]);
  assert.deepEqual(videoConfig('h264', idr), { codec: 'avc1.42C01F', optimizeForLatency: true });
  assert.equal(videoConfig('h264', Uint8Array.from([0, 0, 1, 0x65, 0x88])), null);  // no SPS
  assert.equal(videoConfig('vp8', new Uint8Array(0)).codec, 'vp8');
  assert.equal(videoConfig('vp9', new Uint8Array(0)).codec, 'vp09.00.10.08');
  assert.equal(videoConfig('h265', idr), null);
  assert.equal(videoConfig('av1', idr), null);
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

test('ICE watch: stuck in checking for the fallback time, or failed; not before, not once done', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let clock = 0;
  const now = () => clock;
  const step = (ms) => { for (let i = 0; i < ms / 250; i++) { clock += 250; t.mock.timers.tick(250); } };

  const pc = { iceConnectionState: 'new', remoteDescription: null };
  const calls = [];
  watchIce(() => pc, 5000, () => false, (why) => calls.push(why), now);
  step(10000);  // no offer yet (slow server): not a network problem
  assert.deepEqual(calls, []);
  pc.iceConnectionState = 'checking';
  step(4750);
  assert.deepEqual(calls, []);
  step(500);
  assert.deepEqual(calls, ['WebRTC did not connect within 5 s']);
  step(10000);
  assert.equal(calls.length, 1, 'once');

  const failed = { iceConnectionState: 'checking', remoteDescription: {} };
  const calls2 = [];
  watchIce(() => failed, 5000, () => false, (why) => calls2.push(why), now);
  step(1000);
  failed.iceConnectionState = 'failed';
  step(250);
  assert.deepEqual(calls2, ['WebRTC failed (ICE)']);

  const live = { iceConnectionState: 'checking', remoteDescription: {} };
  let done = false;
  const calls3 = [];
  watchIce(() => live, 5000, () => done, (why) => calls3.push(why), now);
  step(1000);
  live.iceConnectionState = 'connected';
  done = true;
  step(10000);
  assert.deepEqual(calls3, []);
});

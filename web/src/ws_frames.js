// The WebSocket transport's binary framing (docs/protocol-websocket.md, src/wsmedia/framing.hpp):
// pure, shared by the page (ws_transport.js) and its socket worker (ws_worker.js).
export const HEADER_BYTES = 20;
export const KIND_VIDEO = 1;
export const KIND_AUDIO = 2;
const CODEC = { 1: 'h264', 2: 'vp8', 3: 'vp9', 4: 'h265', 5: 'av1', 16: 'opus' };

export function parseFrame(buffer) {
  if (buffer.byteLength < HEADER_BYTES) return null;
  const v = new DataView(buffer);
  if (v.getUint8(3) !== HEADER_BYTES) return null;
  return {
    kind: v.getUint8(0),
    keyframe: (v.getUint8(1) & 1) !== 0,
    codec: CODEC[v.getUint8(2)],
    seq: v.getUint32(4),
    timestampUs: Number(v.getBigUint64(8)),
    width: v.getUint16(16),
    height: v.getUint16(18),
    payload: new Uint8Array(buffer, HEADER_BYTES),
  };
}

// "avc1.PPCCLL" from the SPS of an Annex B access unit (null without an SPS).
export function avcCodecString(au) {
  for (let i = 0; i + 6 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1 && (au[i + 3] & 0x1f) === 7) {
      const hex = (b) => b.toString(16).padStart(2, '0').toUpperCase();
      return `avc1.${hex(au[i + 4])}${hex(au[i + 5])}${hex(au[i + 6])}`;
    }
  }
  return null;
}

// The VideoDecoder configuration for a keyframe of `codec` (null: no decoder for it here).
export function videoConfig(codec, payload) {
  if (codec === 'h264') {
    const s = avcCodecString(payload);
    return s ? { codec: s, optimizeForLatency: true } : null;
  }
  if (codec === 'vp8') return { codec: 'vp8', optimizeForLatency: true };
  if (codec === 'vp9') return { codec: 'vp09.00.10.08', optimizeForLatency: true };
  return null;
}

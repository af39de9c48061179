// Pure helpers of input.js (no DOM access at import; unit-tested with node --test): position
// mapping, even window sizes, UTF-8 base64, wheel smoothing.

// Bit 3 is the wheel turned down and bit 4 up, as gst-web sends them (Selkies' mapping).
const WHEEL = { down: 8, up: 16, left: 32, right: 64 };
const TRACKPAD_THROTTLE_MS = 100;

/** Element-relative position → remote pixels for a video shown with object-fit: contain. */
export function mapToRemote(rect, videoWidth, videoHeight, clientX, clientY) {
  if (!videoWidth || !videoHeight || !rect.width || !rect.height) return null;
  const scale = Math.min(rect.width / videoWidth, rect.height / videoHeight);
  const offsetX = (rect.width - videoWidth * scale) / 2;
  const offsetY = (rect.height - videoHeight * scale) / 2;
  const x = Math.floor((clientX - rect.left - offsetX) / scale);
  const y = Math.floor((clientY - rect.top - offsetY) / scale);
  return [Math.min(Math.max(x, 0), videoWidth - 1), Math.min(Math.max(y, 0), videoHeight - 1)];
}

/** Window size in device pixels, rounded down to even numbers (as the server requires). */
export function evenResolution(cssWidth, cssHeight, ratio) {
  const even = (v) => Math.max(2, Math.floor((v * (ratio || 1)) / 2) * 2);
  return [even(cssWidth), even(cssHeight)];
}

/** UTF-8 text ↔ base64 (btoa/atob only handle Latin-1). */
export function utf8ToBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
export function base64ToUtf8(b64) {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/**
 * Wheel events → [bit, magnitude] scroll steps. Mice send coarse line/pixel steps (one click per
 * event); trackpads send many small pixel deltas, accumulated and sent at most every 100 ms.
 */
export class WheelSmoother {
  constructor() { this.acc = { x: 0, y: 0 }; this.last = 0; }
  static isTrackpad(e) {
    if (e.deltaMode !== 0) return false;  // lines or pages: a mouse wheel
    const dy = Math.abs(e.deltaY);
    const dx = Math.abs(e.deltaX);
    return (dy > 0 && dy < 40) || (dx > 0 && dx < 40) || (!Number.isInteger(e.deltaY));
  }
  steps(e, now) {
    const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? 400 : 1;
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    if (!WheelSmoother.isTrackpad(e)) {
      const out = [];
      const mag = (d) => Math.min(10, Math.max(1, Math.round(Math.abs(d) / 100)));
      if (dy) out.push([dy < 0 ? WHEEL.up : WHEEL.down, mag(dy)]);
      if (dx) out.push([dx < 0 ? WHEEL.left : WHEEL.right, mag(dx)]);
      return out;
    }
    this.acc.x += dx;
    this.acc.y += dy;
    if (now - this.last < TRACKPAD_THROTTLE_MS) return [];
    const out = [];
    const take = (axis, neg, pos) => {
      const d = this.acc[axis];
      if (Math.abs(d) < 10) return;
      out.push([d < 0 ? neg : pos, Math.min(10, Math.max(1, Math.round(Math.abs(d) / 50)))]);
      this.acc[axis] = 0;
    };
    take('y', WHEEL.up, WHEEL.down);
    take('x', WHEEL.left, WHEEL.right);
    if (out.length) this.last = now;
    return out;
  }
}

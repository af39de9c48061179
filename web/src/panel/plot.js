// A small canvas line plot of the last minute (docs/decisions/0009-panel-plots.md says why not
// a charting library): time on x (now at the right edge), 0..a rounded maximum on y, the
// maximum written in the corner, gaps where a figure was unknown.

/** The time a plot shows: the last minute. */
export const PLOT_SPAN_MS = 60000;

/** A round axis maximum ≥ v: 1, 2, 2.5 or 5 times a power of ten (pure). */
export function niceMax(v, floor = 1) {
  const x = Math.max(floor, Number.isFinite(v) ? v : 0);
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Canvas x/y of a point (pure): `t` ms against `now`, over `spanMs`, into w×h with a 1px margin. */
export function toCanvas(t, v, now, spanMs, max, w, h) {
  return [w - ((now - t) / spanMs) * w, h - 1 - (Math.min(v, max) / max) * (h - 2)];
}

/**
 * The point under the pointer (pure): the sample with a number for `key` nearest in time to
 * canvas x `x` (0..w, now at w), within `maxGapMs`; null when there is none.
 */
export function pointAt(points, key, x, w, now, spanMs, maxGapMs = 3000) {
  const t = now - ((w - x) / w) * spanMs;
  let best = null;
  for (const p of points) {
    if (typeof p[key] !== 'number') continue;
    if (!best || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
  }
  return best && Math.abs(best.t - t) <= maxGapMs ? best : null;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{t: number}[]} points    oldest first
 * @param {string} key              the figure to draw
 * @param {{color: string, floor?: number, now: number, spanMs?: number, format: (v) => string,
 *          marked?: {t: number}}} o   `marked`: the point under the pointer, circled on a rule
 */
export function drawPlot(canvas, points, key, o) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(canvas.clientWidth * ratio) || canvas.width;
  const h = Math.round(canvas.clientHeight * ratio) || canvas.height;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const spanMs = o.spanMs || PLOT_SPAN_MS;
  let top = 0;
  for (const p of points) if (typeof p[key] === 'number') top = Math.max(top, p[key]);
  const max = niceMax(top, o.floor);
  ctx.strokeStyle = 'rgba(255,255,255,0.12)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, Math.round(h / 2) + 0.5);
  ctx.lineTo(w, Math.round(h / 2) + 0.5);
  ctx.stroke();
  ctx.strokeStyle = o.color;
  ctx.lineWidth = 1.5 * ratio;
  ctx.beginPath();
  let open = false;
  for (const p of points) {
    if (typeof p[key] !== 'number') { open = false; continue; }
    const [x, y] = toCanvas(p.t, p[key], o.now, spanMs, max, w, h);
    if (open) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    open = true;
  }
  ctx.stroke();
  if (o.marked && typeof o.marked[key] === 'number') {
    const [x, y] = toCanvas(o.marked.t, o.marked[key], o.now, spanMs, max, w, h);
    ctx.strokeStyle = 'rgba(255,255,255,0.5)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, 0);
    ctx.lineTo(Math.round(x) + 0.5, h);
    ctx.stroke();
    ctx.fillStyle = o.color;
    ctx.beginPath();
    ctx.arc(x, y, 2.5 * ratio, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.fillStyle = 'rgba(255,255,255,0.55)';
  ctx.font = `${10 * ratio}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.fillText(o.format(max), 2 * ratio, 1);
}

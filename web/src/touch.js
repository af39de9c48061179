// Touch screens: gestures → the desktop's mouse, and pinch → a client-side zoom of the view.
// Plain ES module; the gesture logic (TouchGestures) is pure and unit-tested with node --test.
//
//   one finger, lifted within LONG_PRESS_MS without moving   → left click where it touched
//   one finger held LONG_PRESS_MS without moving               → right click
//   one finger moved past SLOP_PX                              → left-button drag
//   two fingers moved together                                 → wheel steps (one per STEP_PX)
//   two fingers moved apart / together                         → zoom of the view (1×–5×),
//                                                                panned with the fingers' centre
// The zoom is a CSS transform of the video element; positions still map to the desktop through
// its bounding box (input.js mapToRemote), so clicks land where the finger is.

export const LONG_PRESS_MS = 550;
export const SLOP_PX = 12;
export const STEP_PX = 24;
export const MAX_ZOOM = 5;
const WHEEL_DOWN = 8;
const WHEEL_UP = 16;

const centre = (pts) => ({ x: (pts[0].x + pts[1].x) / 2, y: (pts[0].y + pts[1].y) / 2 });
const spread = (pts) => Math.hypot(pts[0].x - pts[1].x, pts[0].y - pts[1].y);

/**
 * Gesture recogniser. Feed it start/move/end with the current touch points ({id, x, y} in CSS
 * pixels) and `timeout()` when the long-press timer it asked for fires; it returns the actions:
 *   {op: 'move', x, y} · {op: 'down', button} · {op: 'up', button} · {op: 'wheel', bit, steps}
 *   {op: 'zoom', scale, x, y, dx, dy} (scale by `scale` about (x, y), then pan by dx, dy)
 *   {op: 'timer', ms} (call timeout() after ms unless another event came) · {op: 'cancelTimer'}
 */
export class TouchGestures {
  constructor() { this.reset(); }

  reset() {
    this.mode = 'idle';  // idle | pending | drag | done | two | scroll | pinch
    this.start = null;
    this.two = null;
  }

  begin(points) {
    if (points.length === 1 && this.mode === 'idle') {
      this.mode = 'pending';
      this.start = { ...points[0] };
      return [{ op: 'move', x: points[0].x, y: points[0].y }, { op: 'timer', ms: LONG_PRESS_MS }];
    }
    if (points.length === 2 && (this.mode === 'pending' || this.mode === 'idle')) {
      // The second finger arrived before the first one did anything: a two-finger gesture.
      this.mode = 'two';
      this.two = { centre: centre(points), spread: spread(points), scrolled: 0 };
      return [{ op: 'cancelTimer' }];
    }
    return [];
  }

  move(points) {
    if (this.mode === 'pending' && points.length === 1) {
      const p = points[0];
      if (Math.hypot(p.x - this.start.x, p.y - this.start.y) < SLOP_PX) return [];
      this.mode = 'drag';
      return [{ op: 'cancelTimer' }, { op: 'down', button: 1 }, { op: 'move', x: p.x, y: p.y }];
    }
    if (this.mode === 'drag' && points.length >= 1) return [{ op: 'move', x: points[0].x, y: points[0].y }];
    if (['two', 'scroll', 'pinch'].includes(this.mode) && points.length === 2) return this.moveTwo(points);
    return [];
  }

  moveTwo(points) {
    const c = centre(points);
    const s = spread(points);
    const t = this.two;
    if (this.mode === 'two') {
      const pinched = Math.abs(s - t.spread);
      const moved = Math.hypot(c.x - t.centre.x, c.y - t.centre.y);
      if (Math.max(pinched, moved) < SLOP_PX) return [];
      this.mode = pinched > moved ? 'pinch' : 'scroll';
      if (this.mode === 'scroll') t.centre = { ...c };  // steps count from here
    }
    if (this.mode === 'pinch') {
      const action = { op: 'zoom', scale: s / t.spread, x: t.centre.x, y: t.centre.y, dx: c.x - t.centre.x, dy: c.y - t.centre.y };
      t.spread = s;
      t.centre = c;
      return [action];
    }
    // Scroll like a touch screen scrolls a page: fingers moving up bring up what is below.
    const total = Math.trunc((t.centre.y - c.y) / STEP_PX);
    const steps = total - t.scrolled;
    if (!steps) return [];
    t.scrolled = total;
    return [{ op: 'wheel', bit: steps > 0 ? WHEEL_DOWN : WHEEL_UP, steps: Math.abs(steps) }];
  }

  /** `points`: the touches still down. */
  end(points) {
    if (points.length) {
      if (this.mode === 'drag' || this.mode === 'pending') return [];
      if (['two', 'scroll', 'pinch'].includes(this.mode)) this.mode = 'done';  // rest of the lift
      return [];
    }
    const mode = this.mode;
    this.reset();
    if (mode === 'pending') return [{ op: 'cancelTimer' }, { op: 'down', button: 1 }, { op: 'up', button: 1 }];
    if (mode === 'drag') return [{ op: 'up', button: 1 }];
    return [];
  }

  timeout() {
    if (this.mode !== 'pending') return [];
    this.mode = 'done';
    return [{ op: 'down', button: 3 }, { op: 'up', button: 3 }];
  }
}

/** New view transform {scale, x, y} (translate then scale, origin top left) after a zoom action. */
export function applyZoom(view, action, width, height) {
  const scale = Math.min(MAX_ZOOM, Math.max(1, view.scale * action.scale));
  const k = scale / view.scale;
  // The point under (action.x, action.y) stays under it, then everything follows the fingers.
  let x = action.x - (action.x - view.x) * k + action.dx;
  let y = action.y - (action.y - view.y) * k + action.dy;
  // The desktop always covers the window: no pan past its edges.
  x = Math.min(0, Math.max(width * (1 - scale), x));
  y = Math.min(0, Math.max(height * (1 - scale), y));
  return { scale, x, y };
}

const BUTTON_BITS = { 1: 1, 2: 2, 3: 4 };

/** Wires TouchGestures to a video element and an InputCapture (its touchMouse method). */
export class TouchInput {
  constructor(video, mouse) {
    this.video = video;
    this.mouse = mouse;  // (op, {x, y} | {bit} | {bit, steps}) → sends mouse messages
    this.gestures = new TouchGestures();
    this.view = { scale: 1, x: 0, y: 0 };
    this.timer = 0;
    this.listeners = [];
  }

  attach() {
    if (this.listeners.length) return;
    const handler = (e) => this.onTouch(e);
    for (const type of ['touchstart', 'touchmove', 'touchend', 'touchcancel']) {
      this.video.addEventListener(type, handler, { passive: false });
      this.listeners.push(() => this.video.removeEventListener(type, handler, { passive: false }));
    }
  }

  detach() {
    clearTimeout(this.timer);
    this.listeners.forEach((remove) => remove());
    this.listeners = [];
    this.gestures.reset();
  }

  onTouch(e) {
    e.preventDefault();  // no synthetic mouse events, no browser zoom or scroll
    const points = [...e.touches].map((t) => ({ id: t.identifier, x: t.clientX, y: t.clientY }));
    let actions;
    if (e.type === 'touchstart') actions = this.gestures.begin(points);
    else if (e.type === 'touchmove') actions = this.gestures.move(points);
    else actions = this.gestures.end(points);
    this.run(actions);
  }

  run(actions) {
    for (const a of actions) {
      if (a.op === 'timer') {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.run(this.gestures.timeout()), a.ms);
      } else if (a.op === 'cancelTimer') {
        clearTimeout(this.timer);
      } else if (a.op === 'move') {
        this.mouse('move', { x: a.x, y: a.y });
      } else if (a.op === 'down' || a.op === 'up') {
        this.mouse(a.op, { bit: BUTTON_BITS[a.button] });
      } else if (a.op === 'wheel') {
        this.mouse('wheel', { bit: a.bit, steps: a.steps });
      } else if (a.op === 'zoom') {
        this.view = applyZoom(this.view, a, window.innerWidth, window.innerHeight);
        this.showView();
      }
    }
  }

  showView() {
    const { scale, x, y } = this.view;
    this.video.style.transformOrigin = '0 0';
    this.video.style.transform = scale === 1 ? '' : `translate(${x}px, ${y}px) scale(${scale})`;
  }
}

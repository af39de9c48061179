// ds_painter: paints the current wall-clock time (CLOCK_REALTIME, microseconds) as a barcode into
// the top-left of an X screen, every --period-us (default 2000), atomically (one XCopyArea from a
// Pixmap) and synchronously (XSync). With --motion, the rest of the screen is animated too
// (moving coloured rectangles over a scrolling striped background, redrawn --motion-hz times a
// second), so that every captured frame changes everywhere.
//
// Barcode layout (must match decode.js): 80 bits = 64-bit timestamp (big-endian, MSB first) +
// CRC-16/CCITT-FALSE of those 8 bytes, as BLOCK x BLOCK squares (white = 1, black = 0),
// COLS per row, row-major from (0,0). With BLOCK=16 the squares sit on the 16x16 macroblock grid.
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BITS = 80, COLS = 20, ROWS = BITS / COLS };

static volatile sig_atomic_t g_stop = 0;
static void onSignal(int sig) { (void)sig; g_stop = 1; }

static uint16_t crc16(const uint8_t* p, int n) {
  uint16_t crc = 0xFFFF;
  for (int i = 0; i < n; i++) {
    crc ^= (uint16_t)(p[i] << 8);
    for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

static uint64_t nowUs(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ds_painter [--period-us N] [--block N] [--motion] [--motion-hz N] [--duration-s N]\n"
          "paints CLOCK_REALTIME as a barcode on $DISPLAY (see bench/latency/README.md)\n");
}

int main(int argc, char** argv) {
  long period_us = 2000, block = 16, motion_hz = 60, duration_s = 0;
  int motion = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--motion")) motion = 1;
    else if (!strcmp(argv[i], "--period-us") && i + 1 < argc) period_us = atol(argv[++i]);
    else if (!strcmp(argv[i], "--block") && i + 1 < argc) block = atol(argv[++i]);
    else if (!strcmp(argv[i], "--motion-hz") && i + 1 < argc) motion_hz = atol(argv[++i]);
    else if (!strcmp(argv[i], "--duration-s") && i + 1 < argc) duration_s = atol(argv[++i]);
    else { usage(); return 2; }
  }
  if (period_us < 100 || block < 2 || motion_hz < 1) { usage(); return 2; }

  Display* dpy = XOpenDisplay(NULL);
  if (!dpy) { fprintf(stderr, "ds_painter: cannot open display\n"); return 1; }
  int scr = DefaultScreen(dpy);
  Window root = RootWindow(dpy, scr);
  int sw = DisplayWidth(dpy, scr), sh = DisplayHeight(dpy, scr);
  int depth = DefaultDepth(dpy, scr);
  int bw = (int)(COLS * block), bh = (int)(ROWS * block);
  if (bw > sw || bh > sh) { fprintf(stderr, "ds_painter: screen too small\n"); return 1; }

  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);

  GC gc = XCreateGC(dpy, root, 0, NULL);
  XSetGraphicsExposures(dpy, gc, False);
  XSetSubwindowMode(dpy, gc, IncludeInferiors);
  Pixmap code = XCreatePixmap(dpy, root, (unsigned)bw, (unsigned)bh, (unsigned)depth);
  Pixmap scene = motion ? XCreatePixmap(dpy, root, (unsigned)sw, (unsigned)sh, (unsigned)depth) : 0;
  unsigned long white = WhitePixel(dpy, scr), black = BlackPixel(dpy, scr);

  // Static mode: a mid-grey desktop, painted once.
  if (!motion) {
    XSetForeground(dpy, gc, 0x406080);
    XFillRectangle(dpy, root, gc, 0, 0, (unsigned)sw, (unsigned)sh);
  }

  enum { NRECT = 24 };
  struct { double x, y, vx, vy; int w, h; unsigned long c; } rects[NRECT];
  srand(42);
  for (int i = 0; i < NRECT; i++) {
    rects[i].w = sw / 8 + rand() % (sw / 6);
    rects[i].h = sh / 8 + rand() % (sh / 6);
    rects[i].x = rand() % sw;
    rects[i].y = rand() % sh;
    rects[i].vx = (rand() % 2 ? 1 : -1) * (200 + rand() % 600);  // px/s
    rects[i].vy = (rand() % 2 ? 1 : -1) * (200 + rand() % 600);
    rects[i].c = ((unsigned long)(rand() & 0xff) << 16) | ((unsigned long)(rand() & 0xff) << 8) | (unsigned long)(rand() & 0xff);
  }

  XRectangle ones[BITS], zeros[BITS];
  const uint64_t t_start = nowUs(CLOCK_MONOTONIC);
  uint64_t next = t_start, next_motion = t_start;
  const uint64_t motion_period = 1000000u / (uint64_t)motion_hz;
  uint64_t paints = 0, scenes = 0;

  while (!g_stop) {
    uint64_t mono = nowUs(CLOCK_MONOTONIC);
    if (duration_s > 0 && mono - t_start > (uint64_t)duration_s * 1000000u) break;

    if (motion && mono >= next_motion) {
      double t = (double)(mono - t_start) / 1e6;
      // Scrolling stripes (32 px wide, 8 colours) under bouncing rectangles.
      int shift = (int)(t * 240.0) % 256;
      for (int x = -256; x < sw; x += 32) {
        XSetForeground(dpy, gc, 0x202020u + (unsigned long)(((x + 256) / 32) % 8) * 0x141414u);
        XFillRectangle(dpy, scene, gc, x + shift, 0, 32, (unsigned)sh);
      }
      for (int i = 0; i < NRECT; i++) {
        double x = rects[i].x + rects[i].vx * t, y = rects[i].y + rects[i].vy * t;
        double px = (double)(sw - rects[i].w), py = (double)(sh - rects[i].h);
        // Reflect into [0, px] x [0, py] (triangle wave).
        x = px > 0 ? px - __builtin_fabs(px - __builtin_fmod(__builtin_fabs(x), 2 * px)) : 0;
        y = py > 0 ? py - __builtin_fabs(py - __builtin_fmod(__builtin_fabs(y), 2 * py)) : 0;
        XSetForeground(dpy, gc, rects[i].c);
        XFillRectangle(dpy, scene, gc, (int)x, (int)y, (unsigned)rects[i].w, (unsigned)rects[i].h);
      }
      // Everything but the barcode: the band right of it, then all below it.
      XCopyArea(dpy, scene, root, gc, bw, 0, (unsigned)(sw - bw), (unsigned)bh, bw, 0);
      XCopyArea(dpy, scene, root, gc, 0, bh, (unsigned)sw, (unsigned)(sh - bh), 0, bh);
      scenes++;
      next_motion += motion_period;
      if (next_motion < mono) next_motion = mono + motion_period;
    }

    uint64_t t = nowUs(CLOCK_REALTIME);
    uint8_t bytes[10];
    for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(t >> (56 - 8 * i));
    uint16_t crc = crc16(bytes, 8);
    bytes[8] = (uint8_t)(crc >> 8);
    bytes[9] = (uint8_t)crc;
    int n1 = 0, n0 = 0;
    for (int i = 0; i < BITS; i++) {
      int bit = (bytes[i / 8] >> (7 - i % 8)) & 1;
      XRectangle r = {(short)((i % COLS) * block), (short)((i / COLS) * block), (unsigned short)block, (unsigned short)block};
      if (bit) ones[n1++] = r; else zeros[n0++] = r;
    }
    XSetForeground(dpy, gc, white);
    XFillRectangles(dpy, code, gc, ones, n1);
    XSetForeground(dpy, gc, black);
    XFillRectangles(dpy, code, gc, zeros, n0);
    XCopyArea(dpy, code, root, gc, 0, 0, (unsigned)bw, (unsigned)bh, 0, 0);
    XSync(dpy, False);
    paints++;

    next += (uint64_t)period_us;
    mono = nowUs(CLOCK_MONOTONIC);
    if (next <= mono) {
      next = mono;  // fell behind (loaded machine): paint again at once, don't try to catch up
      continue;
    }
    uint64_t wait = next - mono;
    struct timespec ts = {(time_t)(wait / 1000000u), (long)(wait % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !g_stop) {}
  }
  double secs = (double)(nowUs(CLOCK_MONOTONIC) - t_start) / 1e6;
  fprintf(stderr, "ds_painter: %llu barcodes (%.0f/s), %llu scenes in %.1f s\n", (unsigned long long)paints,
          paints / (secs > 0 ? secs : 1), (unsigned long long)scenes, secs);
  if (scene) XFreePixmap(dpy, scene);
  XFreePixmap(dpy, code);
  XFreeGC(dpy, gc);
  XCloseDisplay(dpy);
  return 0;
}

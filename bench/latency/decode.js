// Injected into the page with addInitScript (web/ is not changed). Expects
// window.__dsBenchCfg = { variant: 'ours' | 'baseline' | 'websocket', block, cols, rows, screenWidth? } to be set by an earlier
// init script. Decodes the ds_painter barcode of every presented video frame in
// requestVideoFrameCallback and records (painted time, callback wall time, receive wall time).
(() => {
  const cfg = window.__dsBenchCfg || { variant: 'ours', block: 16, cols: 20, rows: 4 };
  const PLAYOUT_URI = 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay';
  const bench = {
    variant: cfg.variant,
    samples: [],       // [painted_ms, rvfc_now_wall_ms, receive_wall_ms|null, presentedFrames,
                       //  callback_wall_ms, expected_display_wall_ms|null, presentation_wall_ms|null]
    bad: 0,            // frames whose barcode failed the CRC or gave an implausible time
    repeats: 0,        // callbacks that showed the same barcode as the previous one
    callbacks: 0,
    firstCallbackWall: null,  // the first frame shown, barcode or not (idle scenarios)
    firstFrameWall: null,
    offerHadPlayoutDelay: null,
    answerHasPlayoutDelay: null,
    jitterBufferTarget: undefined,
    clockOffsetMs: null, // Date.now() - (timeOrigin + performance.now()), sanity check of the clocks
    errors: [],
  };
  window.__dsBench = bench;

  // --- A/B: the baseline undoes, in the browser, what our client and server do for latency.
  const origSetRemote = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (desc, ...rest) {
    if (desc && desc.type === 'offer' && typeof desc.sdp === 'string') {
      bench.offerHadPlayoutDelay = desc.sdp.includes(PLAYOUT_URI);
      if (cfg.variant === 'baseline') {
        const sdp = desc.sdp.replace(/^a=extmap:\d+(\/\w+)? http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/playout-delay\r?\n/gm, '');
        desc = { type: desc.type, sdp };
      }
    }
    return origSetRemote.call(this, desc, ...rest);
  };
  const origSetLocal = RTCPeerConnection.prototype.setLocalDescription;
  RTCPeerConnection.prototype.setLocalDescription = function (desc, ...rest) {
    if (desc && desc.type === 'answer' && typeof desc.sdp === 'string') {
      bench.answerHasPlayoutDelay = desc.sdp.includes(PLAYOUT_URI);
    }
    return origSetLocal.call(this, desc, ...rest);
  };
  if (cfg.variant === 'baseline' && window.RTCRtpReceiver) {
    // The web client sets these to 0 every second; the baseline keeps the browser's defaults.
    for (const prop of ['jitterBufferTarget', 'playoutDelayHint']) {
      try {
        Object.defineProperty(RTCRtpReceiver.prototype, prop, {
          configurable: true, get() { return null; }, set(_v) { /* ignored: baseline */ },
        });
      } catch (e) { bench.errors.push(`cannot neutralise ${prop}: ${e}`); }
    }
  }

  // --- Barcode decoding.
  const W = cfg.block * cfg.cols, H = cfg.block * cfg.rows, BITS = cfg.cols * cfg.rows;
  let canvas, ctx;
  function crc16(bytes) {
    let crc = 0xffff;
    for (let i = 0; i < 8; i++) {
      crc ^= bytes[i] << 8;
      for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  }
  function decode(video) {
    if (!canvas) {
      canvas = document.createElement('canvas');
      canvas.width = W;
      canvas.height = H;
      ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    }
    // A picture the server scaled down (congestion control's smallest rungs) carries the barcode
    // scaled too: cfg.screenWidth (the painted screen's width) maps it back.
    const k = cfg.screenWidth && video.videoWidth ? video.videoWidth / cfg.screenWidth : 1;
    ctx.drawImage(video, 0, 0, W * k, H * k, 0, 0, W, H);
    const d = ctx.getImageData(0, 0, W, H).data;
    const bytes = new Uint8Array(10);
    const q = cfg.block / 4;  // sample the middle half of each square
    for (let i = 0; i < BITS; i++) {
      const bx = (i % cfg.cols) * cfg.block, by = Math.floor(i / cfg.cols) * cfg.block;
      let sum = 0, n = 0;
      for (let y = by + q; y < by + cfg.block - q; y++) {
        for (let x = bx + q; x < bx + cfg.block - q; x++) {
          const o = (y * W + x) * 4;
          sum += d[o] + d[o + 1] + d[o + 2];
          n += 3;
        }
      }
      if (sum / n >= 128) bytes[i >> 3] |= 0x80 >> (i & 7);
    }
    if (crc16(bytes) !== ((bytes[8] << 8) | bytes[9])) return null;
    let hi = 0, lo = 0;
    for (let i = 0; i < 4; i++) hi = hi * 256 + bytes[i];
    for (let i = 4; i < 8; i++) lo = lo * 256 + bytes[i];
    return (hi * 4294967296 + lo) / 1000;  // ms since the epoch
  }

  let last = null;
  function onFrame(now, meta) {
    const video = this;
    video.requestVideoFrameCallback(onFrame.bind(video));
    bench.callbacks++;
    const execWall = performance.timeOrigin + performance.now();
    if (bench.firstCallbackWall === null) bench.firstCallbackWall = execWall;
    const wall = performance.timeOrigin + now;
    let painted = null;
    try { painted = decode(video); } catch (e) { if (bench.errors.length < 5) bench.errors.push(String(e)); }
    if (painted === null || Math.abs(wall - painted) > 10000) { bench.bad++; return; }
    if (painted === last) { bench.repeats++; return; }
    last = painted;
    if (bench.firstFrameWall === null) bench.firstFrameWall = wall;
    const recv = meta && meta.receiveTime ? performance.timeOrigin + meta.receiveTime : null;
    const expected = meta && meta.expectedDisplayTime ? performance.timeOrigin + meta.expectedDisplayTime : null;
    // presentationTime: when the compositor took the frame as its current one (Chromium sets it
    // on the compositor thread, for WebRTC's and a generated track's frames alike).
    const presentedAt = meta && meta.presentationTime ? performance.timeOrigin + meta.presentationTime : null;
    bench.samples.push([painted, wall, recv, meta ? meta.presentedFrames : null, execWall, expected, presentedAt]);
  }

  // The WebSocket variant: the page draws each decoded VideoFrame on #stream_canvas at once
  // (web/src/ws_transport.js); the barcode is read from the canvas right after that draw.
  function onCanvasFrame(canvasEl) {
    bench.callbacks++;
    const execWall = performance.timeOrigin + performance.now();
    if (bench.firstCallbackWall === null) bench.firstCallbackWall = execWall;
    let painted = null;
    try { painted = decode(canvasEl); } catch (e) { if (bench.errors.length < 5) bench.errors.push(String(e)); }
    if (painted === null || Math.abs(execWall - painted) > 10000) { bench.bad++; return; }
    if (painted === last) { bench.repeats++; return; }
    last = painted;
    if (bench.firstFrameWall === null) bench.firstFrameWall = execWall;
    bench.samples.push([painted, execWall, null, null, execWall, null, null]);
  }
  // Where the page shows WebSocket frames in the <video> (MediaStreamTrackGenerator), rVFC on it
  // measures them exactly as WebRTC's; only the canvas fallback needs the drawImage hook.
  const wsCanvas = cfg.variant === 'websocket' && typeof MediaStreamTrackGenerator !== 'function';
  if (wsCanvas) {
    const origDraw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (source, ...rest) {
      const r = origDraw.call(this, source, ...rest);
      if (this.canvas && this.canvas.id === 'stream_canvas' && typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) {
        onCanvasFrame(this.canvas);
      }
      return r;
    };
  }

  function hook() {
    if (wsCanvas) return true;
    const video = document.getElementById('stream');
    if (!video) return false;
    video.requestVideoFrameCallback(onFrame.bind(video));
    return true;
  }
  if (!hook()) document.addEventListener('DOMContentLoaded', hook, { once: true });

  bench.clockOffsetMs = Date.now() - (performance.timeOrigin + performance.now());
  setInterval(() => {
    const pc = window.deskstream && window.deskstream.video && window.deskstream.video.pc;
    if (!pc) return;
    for (const r of pc.getReceivers()) {
      if (r.track && r.track.kind === 'video') bench.jitterBufferTarget = r.jitterBufferTarget;
    }
  }, 1000);
})();

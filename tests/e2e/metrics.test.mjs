// The figures a connected page reports (web/src/stats.js: `_f` and `_l` once a second) reach the
// Prometheus exporter per connection, next to the session manager's figures, and go away when the
// page closes. Plus the stats.js arithmetic on a fabricated getStats report (no browser).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, freePort, stopAll, xsetroot,
} from './lib/harness.mjs';
import { videoFigures } from '../../web/src/stats.js';
import { scrape } from './lib/metrics.mjs';

after(stopAll);

function report(entries) {
  return new Map(entries.map((e) => [e.id, e]));
}

test('stats.js: fps from the decoder, latency = round trip + jitter buffer + decode', () => {
  const inbound = (t, frames, jbDelay, jbCount, decode, fps) => ({
    id: 'in', type: 'inbound-rtp', kind: 'video', timestamp: t, framesDecoded: frames,
    jitterBufferDelay: jbDelay, jitterBufferEmittedCount: jbCount, totalDecodeTime: decode, framesPerSecond: fps,
  });
  const transport = { id: 't', type: 'transport', selectedCandidatePairId: 'p1' };
  const pairs = [
    { id: 'p0', type: 'candidate-pair', currentRoundTripTime: 0.5 },  // not the selected pair
    { id: 'p1', type: 'candidate-pair', currentRoundTripTime: 0.004 },
  ];
  assert.equal(videoFigures(report([transport, ...pairs]), null), null, 'nothing before inbound video');

  // First sample: whole-session means. 4 ms RTT + 10 ms buffer (0.6 s / 60) + 2 ms decode.
  const first = videoFigures(report([inbound(1000, 60, 0.6, 60, 0.12, 59.6), transport, ...pairs]), null);
  assert.deepEqual([first.fps, first.latencyMs], [60, 16]);
  // Next second: only the interval counts (30 frames, 0.15 s buffered = 5 ms, 0.03 s = 1 ms).
  const next = videoFigures(report([inbound(2000, 90, 0.75, 90, 0.15, 30), transport, ...pairs]), first.sample);
  assert.deepEqual([next.fps, next.latencyMs], [30, 10]);
  // No candidate-pair RTT: the data-channel ping's round trip; no framesPerSecond: the delta.
  const noRtt = videoFigures(report([inbound(3000, 110, 0.85, 110, 0.17, undefined)]), next.sample, 20);
  assert.deepEqual([noRtt.fps, noRtt.latencyMs], [20, 26]);
  // No round trip at all: no latency to report (the page sends only `_f`).
  assert.equal(videoFigures(report([inbound(3000, 110, 0.85, 110, 0.17, 20)]), null).latencyMs, null);
});

// One scrape as { series: value }.
test('a connected page appears as deskstream_client_fps/latency_ms and disappears on close', async () => {
  const x = await startXvfb(1280, 720);
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, {
    SELKIES_ENABLE_METRICS_HTTP: 'true',
    SELKIES_METRICS_HTTP_PORT: String(metricsPort),
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(ds.url);
    await waitFramesDecoded(page, 5);
    // Keep the screen changing so the decoder has a frame rate to report.
    let colour = 0;
    const painter = setInterval(() => xsetroot(x.display, colour++ % 2 ? '#204080' : '#802040'), 100);
    // The page's video connection is one of its two (video and audio connect in parallel, in
    // either order): the one whose figures appear.
    const clientSeries = (s) => Object.keys(s).filter((k) => k.startsWith('deskstream_client_fps{'));
    let m;
    let last = {};
    try {
      m = await waitFor(async () => {
        last = await scrape(metricsPort);
        const [series] = clientSeries(last);
        return series && last[series] > 0 && last[series.replace('_fps{', '_latency_ms{')] !== undefined ? last : false;
      }, 10000, 'deskstream_client_fps > 0 and deskstream_client_latency_ms');
    } catch (e) {
      const state = await page.evaluate(() => JSON.stringify(window.deskstream.state));
      throw new Error(`${e.message}\nlast scrape: ${JSON.stringify(last)}\npage: ${state}\n${ds.entry.log}`);
    } finally {
      clearInterval(painter);
    }
    assert.equal(clientSeries(m).length, 1, `one page, one client series: ${clientSeries(m)}`);
    const id = /connection="(\d+)"/.exec(clientSeries(m)[0])[1];
    assert.match(ds.entry.log, new RegExp(`connection ${id} from 127\\.0\\.0\\.1`), 'labelled with the connection id of the log');
    const fpsSeries = `deskstream_client_fps{connection="${id}"}`;
    const latencySeries = `deskstream_client_latency_ms{connection="${id}"}`;
    const reported = await page.evaluate(() => window.deskstream.state.reported);
    console.log(`page reported ${JSON.stringify(reported)}; exporter: fps ${m[fpsSeries]}, ` +
                `latency ${m[latencySeries]} ms, ping rtt ${m[`deskstream_client_ping_rtt_ms{connection="${id}"}`]} ms`);
    assert.ok(m[fpsSeries] <= 60, `fps within what a 30 fps stream can decode (${m[fpsSeries]})`);
    assert.ok(m[latencySeries] >= 0 && m[latencySeries] < 1000, `loopback latency estimate (${m[latencySeries]} ms)`);
    assert.equal(m.deskstream_video_viewers, 1);
    assert.ok(m.deskstream_connections >= 1, 'the page\'s signalling connection(s)');
    assert.equal(m.deskstream_video_pipeline_starts_total, 1);
    assert.ok(m.deskstream_video_frames_encoded_total > 0, 'frames went through the encoder');

    await page.close();
    const gone = await waitFor(async () => {
      const s = await scrape(metricsPort);
      return s.deskstream_connections === 0 ? s : false;
    }, 10000, 'connections to close');
    assert.equal(gone[fpsSeries], undefined, 'the closed connection\'s fps series is removed');
    assert.equal(gone[latencySeries], undefined);
    assert.equal(gone.deskstream_video_viewers, 0);
    assert.ok(gone.deskstream_video_frames_encoded_total >= m.deskstream_video_frames_encoded_total,
      'the encoded-frame total survives the pipeline stopping');
  } finally {
    await browser.close();
  }
});

// The Prometheus exporter of the real binary (docs/metrics.md): SELKIES_ENABLE_METRICS_HTTP=true
// serves /metrics on SELKIES_METRICS_HTTP_PORT, without the main port's auth, and reports the
// startup encoder fallback (no NVIDIA GPU here: nvh264enc falls back to x264enc). Off by default.
// Xvfb + deskstream only, no browser (tests/e2e/metrics.test.mjs covers the client figures).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startXvfb, startDeskstream, freePort, stopAll } from '../e2e/lib/harness.mjs';

after(stopAll);

// The value of one series exactly as rendered (`name{labels}`), or undefined.
function sample(text, series) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('exporter on its own port: encoder fallback, info, manager figures; no auth there', async () => {
  const x = await startXvfb(640, 480);
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, {
    SELKIES_ENCODER: 'nvh264enc',
    SELKIES_ENABLE_BASIC_AUTH: 'true',
    SELKIES_BASIC_AUTH_USER: 'user',
    SELKIES_BASIC_AUTH_PASSWORD: 'metrics-test',
    SELKIES_ENABLE_METRICS_HTTP: 'true',
    SELKIES_METRICS_HTTP_PORT: String(metricsPort),
  });
  assert.match(ds.entry.log, new RegExp(`Prometheus metrics at http://127\\.0\\.0\\.1:${metricsPort}/metrics`));

  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  console.log(text.split('\n').filter((l) => l && !l.startsWith('#')).join('\n'));

  const version = /deskstream_info\{encoder="x264enc",version="([0-9.]+)"\} 1/.exec(text);
  assert.ok(version, `deskstream_info with encoder="x264enc":\n${text}`);
  assert.equal(sample(text, `deskstream_info{encoder="nvh264enc",version="${version[1]}"}`), undefined);
  assert.equal(sample(text, 'deskstream_encoder_fallbacks_total{from="nvh264enc",phase="startup",to="x264enc"}'), 1);
  assert.ok(!/phase="runtime"/.test(text), 'no runtime fallback happened');
  assert.equal(sample(text, 'deskstream_connections'), 0);
  assert.equal(sample(text, 'deskstream_video_viewers'), 0);
  assert.equal(sample(text, 'deskstream_video_pipeline_starts_total'), 0, 'no viewer, no pipeline');
  assert.equal(sample(text, 'deskstream_video_frames_encoded_total'), 0);
  assert.ok([0, 1].includes(sample(text, 'deskstream_audio_up')), 'deskstream_audio_up is 0 or 1');
  assert.ok(!text.includes('deskstream_client_fps{'), 'no client, no client figures');
  // Selkies' metric names next to ours, as prometheus_client shows them before any client.
  assert.equal(sample(text, 'fps'), 0);
  assert.equal(sample(text, 'latency'), 0);
  assert.equal(sample(text, 'fps_hist_count'), 0);
  assert.equal(sample(text, 'fps_hist_bucket{le="60.0"}'), 0);
  assert.equal(sample(text, 'webrtc_statistics_info'), 1);
  assert.ok(!text.includes('gpu_utilization'), 'no NVIDIA GPU here: no gpu_utilization');

  // The exporter answers without credentials; the main port still wants them and does not
  // serve the metrics (they are on their own port, like Selkies).
  assert.equal((await fetch(ds.url)).status, 401);
  assert.equal((await fetch(`${ds.url}metrics`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404);
  assert.equal((await fetch(url, { method: 'POST' })).status, 405);
});

test('no exporter unless SELKIES_ENABLE_METRICS_HTTP=true', async () => {
  const x = await startXvfb(640, 480);
  const metricsPort = await freePort();
  const ds = await startDeskstream(x.display, { SELKIES_METRICS_HTTP_PORT: String(metricsPort) });
  assert.equal((await fetch(ds.url.replace(/\/$/, '/healthz'))).status, 200, 'deskstream is up');
  await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'nothing listens on the metrics port');
  assert.ok(!ds.entry.log.includes('Prometheus'), ds.entry.log);
});

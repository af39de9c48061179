// Settings that do what their help says (docs/settings.md), end to end with the real binary,
// Xvfb, Chromium and coturn: SELKIES_JSON_CONFIG (re-read at start, client changes written back),
// the WebRTC statistics CSV, SELKIES_RTC_CONFIG_JSON and SELKIES_TURN_REST_URI for /turn and the
// server's own ICE servers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, sleep, tempDir, startCoturn, deskstreamBin,
} from './lib/harness.mjs';

after(stopAll);

// Records every data-channel message the page receives (the server creates the channel).
const recordChannel = () => {
  window.__dsMessages = [];
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('datachannel', (e) => {
        e.channel.addEventListener('message', (m) => window.__dsMessages.push(m.data));
      });
    }
  };
};

async function systemActions(page) {
  return page.evaluate(() => window.__dsMessages
    .map((m) => { try { return JSON.parse(m); } catch { return null; } })
    .filter((m) => m && m.type === 'system').map((m) => m.data.action));
}

async function openPage(browser, url) {
  const page = await browser.newPage();
  await page.addInitScript(recordChannel);
  await page.goto(url);
  await waitFramesDecoded(page, 3, 20000);
  await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, 'input channel');
  return page;
}

async function stop(ds) {
  ds.proc.kill('SIGTERM');
  await new Promise((r) => (ds.proc.exitCode !== null ? r() : ds.proc.once('exit', r)));
}

const readJson = (file) => { try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return null; } };

test('SELKIES_JSON_CONFIG: overrides the environment at start; client changes are written back and re-read', async (t) => {
  const x = await startXvfb(640, 360);
  const file = path.join(tempDir('ds-jsoncfg-'), 'selkies_config.json');
  writeFileSync(file, JSON.stringify({ framerate: 24, video_bitrate: 3000, keep: 'me' }));
  const env = { SELKIES_JSON_CONFIG: file, SELKIES_FRAMERATE: '30', SELKIES_VIDEO_BITRATE: '4000', SELKIES_AUDIO_BITRATE: '128000' };
  let ds = await startDeskstream(x.display, env);
  assert.match(ds.entry.log, /SELKIES_JSON_CONFIG .*framerate=24/);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  let page = await openPage(browser, ds.url);
  await waitFor(async () => (await systemActions(page)).includes('encoder,x264enc'), 5000, 'system messages');
  let actions = await systemActions(page);
  assert.ok(actions.includes('framerate,24'), `the file's framerate wins over SELKIES_FRAMERATE (${actions})`);
  assert.ok(actions.includes('video_bitrate,3000'), `the file's bitrate wins (${actions})`);

  await page.evaluate(() => {
    const ch = window.deskstream.video.channel;
    ch.send('vb,2500');
    ch.send('_arg_fps,15');
    ch.send('ab,64000');
    ch.send('_arg_resize,true,640x360');
  });
  await waitFor(() => {
    const j = readJson(file);
    return j && j.video_bitrate === 2500 && j.framerate === 15 && j.audio_bitrate === 64000 && j.enable_resize === true;
  }, 5000, 'the client changes in the JSON file');
  assert.equal(readJson(file).keep, 'me', 'other keys are kept');
  assert.deepEqual(readdirSync(path.dirname(file)), ['selkies_config.json'], 'no temporary file left');
  await page.close();

  await stop(ds);
  ds = await startDeskstream(x.display, env);
  page = await openPage(browser, ds.url);
  await waitFor(async () => (await systemActions(page)).includes('encoder,x264enc'), 5000, 'system messages');
  actions = await systemActions(page);
  for (const want of ['framerate,15', 'video_bitrate,2500', 'audio_bitrate,64000', 'resize,True']) {
    assert.ok(actions.includes(want), `re-read at start: ${want} (${actions})`);
  }
  await page.close();

  // A corrupt file: a warning naming it, the environment's values, and the next change rewrites it.
  await stop(ds);
  writeFileSync(file, '{"framerate": 2');
  ds = await startDeskstream(x.display, env);
  assert.match(ds.entry.log, /SELKIES_JSON_CONFIG .*selkies_config\.json is not a JSON object/);
  page = await openPage(browser, ds.url);
  await waitFor(async () => (await systemActions(page)).includes('encoder,x264enc'), 5000, 'system messages');
  assert.ok((await systemActions(page)).includes('framerate,30'), 'SELKIES_FRAMERATE applies');
  await page.evaluate(() => window.deskstream.video.channel.send('vb,2000'));
  await waitFor(() => readJson(file)?.video_bitrate === 2000, 5000, 'a valid file again');
});

test('SELKIES_ENABLE_WEBRTC_STATISTICS writes the client statistics as Selkies CSV files', async (t) => {
  const x = await startXvfb(640, 360);
  const dir = tempDir('ds-stats-');
  const ds = await startDeskstream(x.display, { SELKIES_ENABLE_WEBRTC_STATISTICS: 'true', SELKIES_WEBRTC_STATISTICS_DIR: dir });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openPage(browser, ds.url);
  // What gst-web sends every second: the whole getStats() report list as a JSON array.
  for (let i = 0; i < 4; i++) {
    await page.evaluate(async () => {
      const reports = [];
      (await window.deskstream.video.pc.getStats()).forEach((s) => reports.push(s));
      window.deskstream.video.channel.send(`_stats_video,${JSON.stringify(reports)}`);
      window.deskstream.video.channel.send(`_stats_audio,${JSON.stringify(reports)}`);
      // What a reconnecting client may send first: too few columns, skipped as Selkies does.
      window.deskstream.video.channel.send('_stats_audio,[{"type":"transport","id":"T1","bytesSent":0}]');
    });
    await sleep(300);
  }
  await waitFor(() => readdirSync(dir).some((f) => f.startsWith('selkies-stats-video-')), 5000, 'the video CSV');
  await sleep(300);
  const files = readdirSync(dir);
  const video = files.find((f) => /^selkies-stats-video-\d{4}-\d\d-\d\d:\d\d:\d\d:\d\d\.csv$/.test(f));
  assert.ok(video, `file name as Selkies names it (${files})`);
  const audio = files.find((f) => f === video.replace('-video-', '-audio-'));
  assert.ok(audio, `the audio file of the same connection (${files})`);
  assert.equal(files.length, 2, `one pair per connection (${files})`);
  const lines = readFileSync(path.join(dir, video), 'utf8').split('\r\n').filter(Boolean);
  assert.equal(lines.length, 5, 'a header and one row per message');
  const audioLines = readFileSync(path.join(dir, audio), 'utf8').split('\r\n').filter(Boolean);
  assert.equal(audioLines.length, 5, 'the short lists were skipped');
  const header = lines[0].split(',');
  assert.equal(header[0], 'timestamp');
  assert.ok(header.includes('inbound-rtp.framesDecoded') || header.some((h) => /^inbound-rtp(-[^.]+)?\.framesDecoded$/.test(h)), 'flattened <type>.<field> columns');
  assert.match(lines[1], /^\d\d\/[A-Z][a-z]+\/\d{4}:\d\d:\d\d:\d\d,/, 'Selkies row timestamp');
  await page.close();
  await stop(ds);

  // The directory must be usable, or startup stops naming the variable.
  const refused = spawnSync(deskstreamBin, [], {
    env: { ...process.env, DISPLAY: x.display, SELKIES_ENABLE_WEBRTC_STATISTICS: 'true', SELKIES_WEBRTC_STATISTICS_DIR: path.join(dir, 'missing') },
    encoding: 'utf8',
    timeout: 20000,
  });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /SELKIES_WEBRTC_STATISTICS_DIR=".*missing" is not valid/);
});

function turnCredentials(secret, user) {
  const username = `${Math.floor(Date.now() / 1000) + 3600}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

// The server's own ICE servers are in use when the browser sees relay candidates from it.
async function remoteRelayCandidates(page) {
  return page.evaluate(async () => {
    let n = 0;
    (await window.deskstream.video.pc.getStats()).forEach((s) => { if (s.type === 'remote-candidate' && s.candidateType === 'relay') n++; });
    return n;
  });
}

test('SELKIES_RTC_CONFIG_JSON is served on /turn and used for the server\'s own ICE servers', async (t) => {
  const secret = 'rtc-file-secret';
  const turn = await startCoturn(secret);
  const x = await startXvfb(640, 360);
  const file = path.join(tempDir('ds-rtcfile-'), 'rtc.json');
  const rtc = { iceServers: [{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`], ...turnCredentials(secret, 'from-file') }] };
  writeFileSync(file, JSON.stringify(rtc));
  const ds = await startDeskstream(x.display, { SELKIES_RTC_CONFIG_JSON: file });
  const served = await (await fetch(`${ds.url}turn`)).json();
  assert.equal(served.iceServers[0].username, rtc.iceServers[0].username);
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openPage(browser, ds.url);
  await waitFor(async () => (await remoteRelayCandidates(page)) > 0, 10000, 'a relay candidate from the server');
  await page.close();
  // Without the file: no TURN at all in this set-up, so no relay candidate from the server.
  await stop(ds);
  const plain = await startDeskstream(x.display, { SELKIES_RTC_CONFIG_JSON: path.join(path.dirname(file), 'none.json') });
  const page2 = await openPage(browser, plain.url);
  await sleep(2000);
  assert.equal(await remoteRelayCandidates(page2), 0, 'relay candidates came from the file');
});

test('SELKIES_TURN_REST_URI: headers as Selkies sends them, refreshed, served on /turn and used by the server', async (t) => {
  const secret = 'rest-secret';
  const turn = await startCoturn(secret);
  const requests = [];
  let generation = 0;
  const rest = http.createServer((req, res) => {
    requests.push({ url: req.url, headers: req.headers });
    generation += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      lifetimeDuration: '86400s',
      iceServers: [{ urls: [`turn:127.0.0.1:${turn.port}?transport=udp`], ...turnCredentials(secret, `gen${generation}`) }],
      blockStatus: 'NOT_BLOCKED',
      iceTransportPolicy: 'all',
    }));
  });
  await new Promise((r) => rest.listen(0, '127.0.0.1', r));
  t.after(() => rest.close());
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display, {
    SELKIES_TURN_REST_URI: `http://127.0.0.1:${rest.address().port}/creds?svc=turn`,
    SELKIES_TURN_REST_USERNAME: 'desk:one',
    SELKIES_TURN_REST_USERNAME_AUTH_HEADER: 'x-my-user',
    SELKIES_TURN_PROTOCOL: 'tcp',
    SELKIES_TURN_TLS: 'true',
    DESKSTREAM_TURN_REST_INTERVAL: '1',
  });
  assert.ok(requests.length >= 1, 'fetched before startup completed');
  assert.equal(requests[0].url, '/creds?svc=turn');
  assert.equal(requests[0].headers['x-my-user'], 'desk-one', "':' becomes '-', in the configured header");
  assert.equal(requests[0].headers['x-turn-protocol'], 'tcp');
  assert.equal(requests[0].headers['x-turn-tls'], 'true');

  const userOf = async () => (await (await fetch(`${ds.url}turn`)).json()).iceServers[0].username;
  const first = await userOf();
  assert.match(first, /:gen\d+$/);
  await waitFor(async () => (await userOf()) !== first, 5000, '/turn to serve refreshed credentials');
  assert.ok(requests.length >= 2);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await openPage(browser, ds.url);
  await waitFor(async () => (await remoteRelayCandidates(page)) > 0, 10000, 'a relay candidate from the server (REST TURN)');

  // The endpoint goes away: the last answer stays in use.
  rest.close();
  rest.closeAllConnections?.();
  await sleep(2500);
  assert.match(await userOf(), /:gen\d+$/);
  assert.match(ds.entry.log, /could not fetch the TURN REST configuration/);
});

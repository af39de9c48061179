// Gamepads end to end: gamepad messages sent by a real Chromium page over the `input`
// data channel reach a reader of selkies_js<N>.sock that reads it as the Selkies joystick
// interposer does (the 1348-byte config record, then 8-byte struct js_event records). A
// view-only peer's gamepad messages reach nobody.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  startXvfb, startDeskstream, launchBrowser, waitFramesDecoded, waitFor, stopAll, tempDir,
} from './lib/harness.mjs';
import { jwtSetup } from '../security/lib/jwt.mjs';

after(stopAll);

const CONFIG_BYTES = 1348;  // sizeof(js_config_t) in the interposer
const EVENT_BYTES = 8;      // sizeof(struct js_event)

// Reads the socket like the interposer: connect (retried for a while, as the interposer does:
// the file appears at bind(), a moment before the server listens), read the config record, then
// events.
async function openDevice(socketPath) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectDevice(socketPath);
    } catch (e) {
      if (attempt >= 50 || !['ECONNREFUSED', 'ENOENT'].includes(e.code)) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function connectDevice(socketPath) {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ path: socketPath });
    let buf = Buffer.alloc(0);
    const dev = { config: null, events: [], ended: false, sock };
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!dev.config && buf.length >= CONFIG_BYTES) {
        const name = buf.subarray(0, 255);
        const buttons = buf.readUInt16LE(256);
        const axes = buf.readUInt16LE(258);
        dev.config = {
          name: name.subarray(0, name.indexOf(0)).toString('latin1'),
          buttons,
          axes,
          buttonCodes: Array.from({ length: buttons }, (_, i) => buf.readUInt16LE(260 + 2 * i)),
          axisCodes: Array.from({ length: axes }, (_, i) => buf.readUInt8(1284 + i)),
        };
        buf = buf.subarray(CONFIG_BYTES);
        resolve(dev);
      }
      while (dev.config && buf.length >= EVENT_BYTES) {
        dev.events.push({ time: buf.readUInt32LE(0), value: buf.readInt16LE(4), type: buf.readUInt8(6), number: buf.readUInt8(7) });
        buf = buf.subarray(EVENT_BYTES);
      }
    });
    sock.on('end', () => { dev.ended = true; });
    sock.on('close', () => { dev.ended = true; });
    sock.on('error', reject);
  });
}

const BUTTON = 1;
const AXIS = 2;
const isSocket = (p) => existsSync(p) && statSync(p).isSocket();

test('gamepads reach the interposer socket; a viewer\'s, a demoted peer\'s and a departed peer\'s do not', async (t) => {
  const { env: jwtEnv, mint } = jwtSetup({ session: 's-gamepad' });
  const dir = tempDir('ds-js-');
  const sock = (n) => path.join(dir, `selkies_js${n}.sock`);
  const x = await startXvfb(640, 360);
  const ds = await startDeskstream(x.display, { ...jwtEnv, SELKIES_JS_SOCKET_PATH: dir });
  const browser = await launchBrowser();
  t.after(() => browser.close());

  const open = async (role, sub) => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(ds.url + '?token=' + mint({ role, sub }));
    await waitFramesDecoded(page, 1);
    await waitFor(() => page.evaluate(() => window.deskstream.video.channel?.readyState === 'open'), 10000, `${sub}'s channel open`);
    return page;
  };
  const send = (page, text) => page.evaluate((m) => window.deskstream.video.channel.send(m), text);
  // The channel is ordered: once the server has answered two pongs sent after them (one may
  // already have been on its way), every message the page sent before is handled.
  const handled = async (page) => {
    const before = await page.evaluate(() => {
      if (window.__latency === undefined) {
        window.__latency = 0;
        window.deskstream.video.channel.addEventListener('message', (e) => {
          if (JSON.parse(e.data).type === 'latency_measurement') window.__latency += 1;
        });
      }
      return window.__latency;
    });
    await send(page, 'pong,' + Date.now() / 1000);
    await waitFor(async () => (await page.evaluate(() => window.__latency)) >= before + 2, 10000, 'messages handled');
  };
  const controller = await open('control', 'alice');
  const viewer = await open('view', 'bob');

  // No socket until the browser connects a gamepad (gst-web: js,c,<index>,<base64 id>,<axes>,<buttons>).
  assert.deepEqual(readdirSync(dir), []);
  await send(controller, 'js,c,0,' + Buffer.from('Xbox 360 Controller (XInput STANDARD GAMEPAD)').toString('base64') + ',4,17');
  await waitFor(() => isSocket(sock(0)), 5000, 'selkies_js0.sock');

  const dev = await openDevice(sock(0));
  t.after(() => dev.sock.destroy());
  assert.deepEqual(dev.config, {
    name: 'Selkies Controller',
    buttons: 11,
    axes: 8,
    buttonCodes: [0x130, 0x131, 0x133, 0x134, 0x136, 0x137, 0x13a, 0x13b, 0x13c, 0x13d, 0x13e],
    axisCodes: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x11],
  });
  // The device at rest: 11 buttons up, sticks and hat centred, triggers released.
  await waitFor(() => dev.events.length >= 19, 5000, 'initial state');
  assert.deepEqual(dev.events.splice(0, 19).map((e) => [e.type, e.number, e.value]), [
    ...Array.from({ length: 11 }, (_, i) => [BUTTON, i, 0]),
    [AXIS, 0, 0], [AXIS, 1, 0], [AXIS, 2, -32767], [AXIS, 3, 0], [AXIS, 4, 0], [AXIS, 5, -32767], [AXIS, 6, 0], [AXIS, 7, 0],
  ]);

  // The browser's standard layout, mapped as Selkies maps it onto the xpad device.
  const cases = [
    ['js,b,0,0,1', [BUTTON, 0, 1]],          // A
    ['js,b,0,0,0', [BUTTON, 0, 0]],
    ['js,a,0,0,-0.5', [AXIS, 0, -16384]],    // left stick X
    ['js,a,0,1,1', [AXIS, 1, 32767]],        // left stick Y
    ['js,a,0,2,0.25', [AXIS, 3, 8192]],      // right stick X -> ABS_RX
    ['js,b,0,7,1', [AXIS, 5, 32767]],        // R2 -> ABS_RZ, full range
    ['js,b,0,6,0.5', [AXIS, 2, 0]],          // L2 half pressed
    ['js,b,0,12,1', [AXIS, 7, -32767]],      // d-pad up -> hat Y
    ['js,b,0,15,1', [AXIS, 6, 32767]],       // d-pad right -> hat X
    ['js,b,0,9,1', [BUTTON, 7, 1]],          // start -> BTN_START
    ['js,b,0,16,1', [BUTTON, 8, 1]],         // guide -> BTN_MODE
  ];
  for (const [msg] of cases) await send(controller, msg);
  await waitFor(() => dev.events.length >= cases.length, 5000, `${cases.length} events (got ${dev.events.length})`);
  const got = dev.events.splice(0, cases.length);
  assert.deepEqual(got.map((e) => [e.type, e.number, e.value]), cases.map((c) => c[1]));
  // Selkies' timestamps: wall-clock milliseconds modulo 10^9.
  for (const e of got) assert.ok(Math.abs(e.time - (Date.now() % 1e9)) < 60000, `event time ${e.time}`);

  // A view-only peer: its gamepad messages are dropped (no socket, no event); the controller's
  // next event is the very next thing the reader gets.
  await send(viewer, 'js,c,1,' + Buffer.from('viewer pad').toString('base64') + ',4,17');
  await send(viewer, 'js,b,0,1,1');
  await send(viewer, 'js,a,0,0,1');
  await handled(viewer);
  await send(controller, 'js,b,0,3,1');  // Y, the marker
  await waitFor(() => dev.events.length >= 1, 5000, 'marker event');
  assert.deepEqual(dev.events.map((e) => [e.type, e.number, e.value]), [[BUTTON, 3, 1]]);
  dev.events.length = 0;
  assert.ok(!existsSync(sock(1)), 'no socket for the viewer\'s gamepad');
  assert.match(ds.entry.log, /ignored 'js,c,1,[^']*': view-only peer/);

  // Values a gamepad cannot produce are refused with a reason; nothing reaches the reader.
  await send(controller, 'js,b,0,40,1');
  await send(controller, 'js,a,0,0,7');
  await waitFor(() => /has no xpad button/.test(ds.entry.log) && /value out of range/.test(ds.entry.log), 5000, 'bad gamepad input logged');

  // js,d: the device ends for its reader and the socket file goes.
  await send(controller, 'js,d,0');
  await waitFor(() => dev.ended, 5000, 'end of file on the reader');
  await waitFor(() => !existsSync(sock(0)), 5000, 'selkies_js0.sock removed');
  assert.equal(dev.events.length, 0);

  // The controller leaves with a gamepad connected: its socket goes, as on Selkies.
  await send(controller, 'js,c,2,' + Buffer.from('pad').toString('base64') + ',4,17');
  await waitFor(() => isSocket(sock(2)), 5000, 'selkies_js2.sock');
  const dev2 = await openDevice(sock(2));
  t.after(() => dev2.sock.destroy());
  await controller.context().close();
  await waitFor(() => dev2.ended && !existsSync(sock(2)), 10000, 'selkies_js2.sock removed when its peer left');

  // A controller demoted to viewer (AUTH with a view token) loses its gamepads at once and
  // cannot connect one again.
  const carol = await open('control', 'carol');
  await send(carol, 'js,c,1,' + Buffer.from('pad').toString('base64') + ',4,17');
  await waitFor(() => isSocket(sock(1)), 5000, 'selkies_js1.sock');
  const dev1 = await openDevice(sock(1));
  t.after(() => dev1.sock.destroy());
  await carol.evaluate((tk) => { window.deskstream.video.lastAuth = ''; window.deskstream.video.sig.sendText('AUTH ' + tk); },
    mint({ role: 'view', sub: 'carol', ttl: 1200 }));
  await waitFor(async () => /"role":"view"/.test(await carol.evaluate(() => window.deskstream.video.lastAuth || '')), 5000, 'AUTH_OK as viewer');
  await waitFor(() => dev1.ended && !existsSync(sock(1)), 5000, 'selkies_js1.sock removed on demotion');
  await send(carol, 'js,c,1,' + Buffer.from('pad').toString('base64') + ',4,17');
  await handled(carol);
  assert.ok(!existsSync(sock(1)), 'a demoted peer cannot connect a gamepad');

  // At exit every socket is removed.
  const again = await open('control', 'dave');
  await send(again, 'js,c,3,' + Buffer.from('pad').toString('base64') + ',4,17');
  await waitFor(() => isSocket(sock(3)), 5000, 'selkies_js3.sock');
  const exited = new Promise((r) => ds.proc.once('exit', r));
  ds.proc.kill('SIGTERM');
  await exited;
  assert.deepEqual(readdirSync(dir), [], 'no socket left after exit');
});

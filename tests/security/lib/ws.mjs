// A minimal WebSocket client over node:http (node 20 has no WebSocket client without a flag and
// tests/e2e/node_modules holds only playwright-core). Text frames only, enough for signalling:
// open, send text, receive text, close. Loopback test use only.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export function openWebSocket(url, { protocols = [], headers = {}, timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...(protocols.length ? { 'Sec-WebSocket-Protocol': protocols.join(', ') } : {}),
        ...headers,
      },
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error('websocket open timed out')); }, timeoutMs);
    req.on('response', (res) => { clearTimeout(timer); res.resume(); reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)); });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.on('upgrade', (res, socket, head) => {
      clearTimeout(timer);
      resolve(new Client(socket, head));
    });
    req.end();
  });
}

class Client {
  constructor(socket, head) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.messages = [];
    this.waiters = [];
    this.closeCode = null;
    this.closed = new Promise((r) => { this.onClosed = r; });
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
    if (head && head.length) this.onData(head);
  }

  finish() {
    if (this.closeCode === null) this.closeCode = 1006;
    this.onClosed(this.closeCode);
    for (const w of this.waiters.splice(0)) w();
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      if (this.buf.length < 2) return;
      const op = this.buf[0] & 0x0f;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (this.buf.length < 4) return; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) return; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) return;
      const payload = this.buf.subarray(off, off + len);
      this.buf = this.buf.subarray(off + len);
      if (op === 1) this.messages.push(payload.toString('utf8'));
      else if (op === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.socket.end();
      } else if (op === 9) this.frame(10, payload);
      for (const w of this.waiters.splice(0)) w();
    }
  }

  frame(op, payload) {
    const mask = randomBytes(4);
    const len = payload.length;
    const header = len < 126 ? Buffer.from([0x80 | op, 0x80 | len])
      : Buffer.concat([Buffer.from([0x80 | op, 0x80 | 126]), Buffer.from([len >> 8, len & 0xff])]);
    const body = Buffer.from(payload);
    for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([header, mask, body]));
  }

  send(text) { this.frame(1, Buffer.from(text, 'utf8')); }

  // Resolves with the first message matching `pred` (or null when the socket closes first).
  async next(pred = () => true, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m !== undefined) return m;
      if (this.closeCode !== null) return null;
      if (Date.now() > end) throw new Error('no matching message in time');
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, 200); });
    }
  }

  close() {
    if (this.closeCode === null && !this.socket.destroyed) this.frame(8, Buffer.from([0x03, 0xe8]));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500);
  }
}

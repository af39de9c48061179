// A userspace UDP relay that adds one-way delay, jitter and random loss (kernel netem is not
// available on these machines: ../shared/reference/network-testing.md). Put it between a
// browser and its TURN server (the browser forced to relay, the TURN URL pointing at the relay):
// every media packet then crosses it in both directions.
//
//   const relay = new DelayRelay({ target: { host: '127.0.0.1', port: 3478 }, delayMs: 25,
//                                  jitterMs: 5, loss: 0.01, rateKbps: 1500, queueMs: 200 });
//   await relay.listen(0);  // relay.port
//   relay.set({ delayMs: 50 });  // change the impairment while running
//   await relay.close();
//
// rateKbps > 0 makes each direction a bottleneck link of that rate with a tail-drop queue of
// queueMs (a packet that would wait longer is dropped), like tbf, but for the relayed flows only
// (a tbf on lo caps every flow on the machine).
// Each client address gets its own upstream socket, so replies go back to the right client.
// Packets of one flow and direction are never reordered by the jitter (a packet leaves no
// earlier than the one before it), as on a real path without reordering. Bounded: at most
// `maxClients` flows and `maxQueued` packets in flight; beyond that, packets are dropped and
// counted.
import dgram from 'node:dgram';

export class DelayRelay {
  constructor({ target, delayMs = 0, jitterMs = 0, loss = 0, rateKbps = 0, queueMs = 200, maxClients = 64, maxQueued = 20000, random = Math.random }) {
    this.target = target;
    this.maxClients = maxClients;
    this.maxQueued = maxQueued;
    this.random = random;
    this.set({ delayMs, jitterMs, loss, rateKbps, queueMs });
    this.busyUntil = { up: 0, down: 0 };
    this.flows = new Map();  // "addr:port" -> { upstream, lastDue: {up, down} }
    this.queued = 0;
    this.counters = { up: 0, down: 0, lost: 0, overflow: 0, queueDrops: 0 };
    this.timers = new Set();
  }

  set({ delayMs = this.delayMs, jitterMs = this.jitterMs, loss = this.loss, rateKbps = this.rateKbps, queueMs = this.queueMs }) {
    if (!(delayMs >= 0 && jitterMs >= 0 && loss >= 0 && loss <= 1 && rateKbps >= 0 && queueMs >= 0)) throw new Error('bad impairment');
    this.delayMs = delayMs;
    this.jitterMs = jitterMs;
    this.loss = loss;
    this.rateKbps = rateKbps;
    this.queueMs = queueMs;
  }

  listen(port = 0, host = '127.0.0.1') {
    this.socket = dgram.createSocket('udp4');
    this.socket.on('message', (msg, rinfo) => this._fromClient(msg, rinfo));
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.port = this.socket.address().port;
        resolve(this.port);
      });
    });
  }

  _flow(rinfo) {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (flow) return flow;
    if (this.flows.size >= this.maxClients) return null;
    const upstream = dgram.createSocket('udp4');
    flow = { upstream, lastDue: { up: 0, down: 0 }, queues: { up: [], down: [] } };
    upstream.on('message', (msg) => this._schedule(flow, 'down', msg, () => this.socket.send(msg, rinfo.port, rinfo.address)));
    upstream.on('error', () => {});
    upstream.bind(0, '127.0.0.1');
    this.flows.set(key, flow);
    return flow;
  }

  _fromClient(msg, rinfo) {
    const flow = this._flow(rinfo);
    if (!flow) { this.counters.overflow++; return; }
    this._schedule(flow, 'up', msg, () => flow.upstream.send(msg, this.target.port, this.target.host));
  }

  _schedule(flow, dir, msg, send) {
    if (this.loss > 0 && this.random() < this.loss) { this.counters.lost++; return; }
    if (this.queued >= this.maxQueued) { this.counters.overflow++; return; }
    const now = performance.now();
    let sent = now;  // when the last bit leaves the bottleneck
    if (this.rateKbps > 0) {
      sent = Math.max(now, this.busyUntil[dir]) + (msg.length * 8) / this.rateKbps;
      if (sent - now > this.queueMs) { this.counters.queueDrops++; return; }
      this.busyUntil[dir] = sent;
    }
    const jitter = this.jitterMs > 0 ? (this.random() * 2 - 1) * this.jitterMs : 0;
    const due = Math.max(sent + Math.max(0, this.delayMs + jitter), flow.lastDue[dir]);
    flow.lastDue[dir] = due;
    this.counters[dir]++;
    // One FIFO and one timer per flow and direction: node's timers have 1 ms resolution and
    // could swap two packets due within the same millisecond.
    const q = flow.queues[dir];
    q.push({ due, send });
    this.queued++;
    if (q.length === 1) this._arm(q);
  }

  _arm(q) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      const now = performance.now();
      while (q.length && q[0].due <= now + 0.5) {
        const { send } = q.shift();
        this.queued--;
        try { send(); } catch { /* socket closed */ }
      }
      if (q.length) this._arm(q);
    }, Math.max(0, q[0].due - performance.now()));
    this.timers.add(t);
  }

  async close() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const f of this.flows.values()) f.upstream.close();
    this.flows.clear();
    if (this.socket) await new Promise((r) => this.socket.close(r));
  }
}

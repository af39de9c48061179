// Reconnection with exponential backoff, shared by the WebRTC connections (stream.js) and the
// WebSocket transport (ws_transport.js): 300 ms after the first failure, doubling to at most 3 s,
// back to 300 ms once a connection works.
export const FIRST_RETRY_MS = 300;
export const MAX_RETRY_MS = 3000;

export class Backoff {
  /** @param {() => void} attempt what a scheduled retry runs */
  constructor(attempt) {
    this.attempt = attempt;
    this.delayMs = FIRST_RETRY_MS;
    this.timer = null;
    this.at = 0;  // when the pending retry runs (Date.now() clock)
  }

  pending() { return this.timer !== null; }

  // Schedules the next attempt after the current delay, and doubles the delay; nothing if one is
  // already pending.
  schedule() {
    if (this.timer !== null) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, MAX_RETRY_MS);
    this.at = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.attempt();
    }, delay);
  }

  // A connection worked (or the user asked for a new attempt): the next failure waits the least.
  reset() { this.delayMs = FIRST_RETRY_MS; }

  cancel() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}

// Selkies signalling (gst-examples 1-1 dialect), browser side. The server offers; we answer.
// Frames: "HELLO <uid> <base64 meta>" -> "HELLO"; then JSON {"sdp":...} / {"ice":...}; "ERROR ...".

export function signallingUrl(location) {
  const url = new URL('webrtc/signalling/', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

export class Signalling {
  /**
   * @param {string} url WebSocket URL
   * @param {string} uid "1" for video, "3" for audio
   * @param {{onSdp: Function, onIce: Function, onError: Function, onClose: Function, meta: Function}} handlers
   */
  constructor(url, uid, handlers) {
    this.url = url;
    this.uid = uid;
    this.h = handlers;
    this.ws = null;
  }

  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.onopen = () => {
      const meta = btoa(JSON.stringify(this.h.meta()));
      this.ws.send(`HELLO ${this.uid} ${meta}`);
    };
    this.ws.onmessage = (event) => this.onMessage(event.data);
    this.ws.onclose = (event) => this.h.onClose(event);
    this.ws.onerror = () => {};
  }

  // Takes over a socket index.html opened (and said HELLO on) before the modules loaded:
  // `early` = { ws, messages: received so far, closed: the close event if it already closed }.
  adopt(early) {
    this.ws = early.ws;
    this.ws.onmessage = (event) => this.onMessage(event.data);
    this.ws.onclose = (event) => this.h.onClose(event);
    this.ws.onerror = () => {};
    for (const data of early.messages) this.onMessage(data);
    early.messages = [];
    if (early.closed) {
      this.ws.onclose = null;
      this.h.onClose(early.closed);
    }
  }

  onMessage(data) {
    if (typeof data !== 'string') return;
    if (data === 'HELLO') return;
    if (data.startsWith('AUTH_')) {
      // Token lifetime messages (docs/access.md §6): AUTH_EXPIRING, AUTH_OK, AUTH_ERROR, AUTH_EXPIRED.
      if (this.h.onAuth) this.h.onAuth(data);
      return;
    }
    if (data.startsWith('ERROR')) {
      this.h.onError(data);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      this.h.onError(`unparsable message: ${data.slice(0, 80)}`);
      return;
    }
    if (msg.sdp) this.h.onSdp(msg.sdp);
    else if (msg.ice) this.h.onIce(msg.ice);
  }

  sendText(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(obj));
  }

  close() {
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
  }
}

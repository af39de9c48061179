// Injected before the web client (addInitScript): when each step towards the first frame happened,
// in ms from navigation start, for the video connection (the first WebSocket and peer connection
// the page opens). bench.mjs reads window.__dsTimeline after the first decoded frame.
(() => {
  const t = {};
  window.__dsTimeline = t;
  const mark = (name) => { if (!(name in t)) t[name] = Math.round(performance.now()); };
  document.addEventListener('DOMContentLoaded', () => mark('dom_content_loaded'));
  const NativeWebSocket = window.WebSocket;
  let sockets = 0;
  window.WebSocket = function WebSocket(...args) {
    const ws = new NativeWebSocket(...args);
    if (sockets++ > 0) return ws;
    mark('signalling_opened');
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      const text = String(data);
      if (text.startsWith('HELLO')) mark('hello_sent');
      else if (text.startsWith('{"sdp"')) mark('answer_sent');
      return send(data);
    };
    ws.addEventListener('message', (e) => { if (String(e.data).startsWith('{"sdp"')) mark('offer_received'); });
    return ws;
  };
  window.WebSocket.prototype = NativeWebSocket.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const NativePc = window.RTCPeerConnection;
  let pcs = 0;
  window.RTCPeerConnection = function RTCPeerConnection(...args) {
    const pc = new NativePc(...args);
    if (pcs++ > 0) return pc;
    mark('peer_connection_created');
    pc.addEventListener('iceconnectionstatechange', () => { if (pc.iceConnectionState === 'connected') mark('ice_connected'); });
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') mark('dtls_connected'); });
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePc.prototype;
})();
